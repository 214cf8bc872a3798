"""`draftmate --help`, pre-rendered by docs/reference.py so that it needs no typer (see entry.py)."""

ROOT_HELP = """\
Usage: draftmate [OPTIONS] COMMAND [ARGS]...

  Draft text or code with a model; review every section; export only approved
  work, with provenance.

Options:
  -V, --version         Show the version.
  --install-completion  Install completion for the current shell.
  --show-completion     Show completion for the current shell, to copy it or
                        customize the installation.
  -h, --help            Show this message and exit.

Commands:
  brainstorm   N diverse ideas with rationale and risks, near-duplicates...
  draft        Draft with the model, or import an existing draft with...
  list         Drafts, newest first.
  show         A draft with its notes beside the lines they point at.
  note         Add your own uncertainty note to a draft.
  review       Review a draft section by section; nothing is final until a...
  export       Write final, approved work with its provenance; anything not...
  verify       Check the audit chain and that stored records match what it...
  check        With no store: files carrying draftmate provenance are...
  key          The store's signing key, for `draftmate check`.
  calibration  How well confidence predicted what reviewers did; the rate...
  doctor       Check the configured model endpoint end to end; exit 0 only...
  config       Show and change settings.
  prompts      The prompt templates drafts are made with.
"""
