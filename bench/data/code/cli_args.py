"""A command-line tool that converts temperatures."""

import argparse
import math
import sys


def to_celsius(fahrenheit):
    return (fahrenheit - 32) * 5 / 9


def to_fahrenheit(celsius):
    return celsius * 9 / 5 + 32


def parse_args(argv):
    parser = argparse.ArgumentParser(description="Convert temperatures.")
    parser.add_argument("value", type=float)
    parser.add_argument("--to", choices=["c", "f"], default="c")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if math.isnan(args.value):
        print("not a number", file=sys.stderr)
        return 2
    result = to_celsius(args.value) if args.to == "c" else to_fahrenheit(args.value)
    print(f"{result:.1f}")
    return 0
