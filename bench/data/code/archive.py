"""Pack a directory into a dated zip archive and list its contents."""

import datetime
import os
import shutil
import zipfile


def archive_name(prefix):
    stamp = datetime.date.today().isoformat()
    return f"{prefix}-{stamp}"


def pack(folder, prefix="backup"):
    base = archive_name(prefix)
    created = shutil.make_archive(base, "zip", root_dir=folder)
    return os.path.abspath(created)


def contents(path):
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
        sizes = [info.file_size for info in bundle.infolist()]
    return list(zip(names, sizes, strict=True))


def total_size(path):
    listing = contents(path)
    return sum(size for _name, size in listing)
