#!/usr/bin/env python3
"""Checks the project's include graph against its folder rules.

Each folder of the server (and the C++ client) may include project headers
only from the folders listed for it in `MAY_INCLUDE` (and from itself), and
never the outside libraries listed in `MUST_NOT_INCLUDE`; every folder under
server/ must have a rule. No components (foo.h with foo.cc) may form an
include cycle. Prints each problem and exits 1 if there is any.

Usage: check_includes.py ROOT
"""

import pathlib
import re
import sys

CORE_BASE = "server/core/base"
CORE_DATASET = "server/core/dataset"
CORE_LOAD = "server/core/load"
CORE_QUERY = "server/core/query"
CORE_ANALYSIS = "server/core/analysis"
CORE_CHANGE = "server/core/change"
CORE = "server/core"
CORE_ALL = (CORE_BASE, CORE_DATASET, CORE_LOAD, CORE_QUERY, CORE_ANALYSIS,
            CORE_CHANGE, CORE)
# Helpers for every program's main (Abseil only).
COMMON = "common"

# The arrows point down: each folder names the folders below it that it uses.
MAY_INCLUDE = {
    CORE_BASE: (),
    CORE_DATASET: (CORE_BASE,),
    CORE_LOAD: (CORE_BASE, CORE_DATASET),
    CORE_QUERY: (CORE_BASE, CORE_DATASET),
    CORE_ANALYSIS: (CORE_BASE, CORE_DATASET),
    CORE_CHANGE: (CORE_BASE, CORE_DATASET, CORE_LOAD, CORE_QUERY),
    CORE: (CORE_BASE, CORE_DATASET, CORE_LOAD, CORE_QUERY, CORE_ANALYSIS,
           CORE_CHANGE),
    "server/store": CORE_ALL,
    "server/wire": CORE_ALL,
    "server/serving": CORE_ALL + ("server/wire",),
    "server/rpc": CORE_ALL + ("server/wire", "server/serving"),
    # The HTTP surface calls the gRPC server in process: above rpc.
    "server/http": (CORE_BASE, "server/rpc", "client/cpp"),
    "server": CORE_ALL + ("server/wire", "server/serving", "server/rpc",
                          "server/http", "server/store", COMMON),
    "client/cpp": (COMMON,),
    COMMON: (),
}

_NO_TRANSPORT = ("grpc", "google/protobuf", "google/rpc", "indicators/v1",
                 "pqxx", "libpq", "prometheus")
MUST_NOT_INCLUDE = {
    **{folder: _NO_TRANSPORT for folder in CORE_ALL},
    "server/store": ("grpc", "google/protobuf", "google/rpc", "indicators/v1",
                     "prometheus"),
    "server/wire": ("pqxx", "libpq", "prometheus"),
    "server/http": ("pqxx", "libpq", "prometheus"),
    "client/cpp": ("pqxx", "libpq", "prometheus"),
    COMMON: _NO_TRANSPORT,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+[<"]([^">]+)[">]', re.M)


def sources(root):
    """Yields each C++ file under server/, client/cpp/ and common/."""
    for pattern in ("server/**/*", "client/cpp/*", "common/*"):
        for path in sorted(root.glob(pattern)):
            if path.suffix in (".h", ".cc"):
                yield path


def check(root):
    """Returns the problems found under `root`, one line each."""
    problems = []
    graph = {}
    for path in sources(root):
        rel = path.relative_to(root).as_posix()
        folder = path.parent.relative_to(root).as_posix()
        component = rel.rsplit(".", 1)[0]
        targets = graph.setdefault(component, [])
        rule = MAY_INCLUDE.get(folder)
        if rule is None:
            problems.append(f"{rel}: folder {folder} has no rule in "
                            "check_includes.py")
            rule = ()
        for included in INCLUDE.findall(path.read_text()):
            if included.startswith(MUST_NOT_INCLUDE.get(folder, ())):
                problems.append(f"{rel} includes {included}: {folder} must "
                                "not depend on it")
            if not (root / included).exists():
                continue
            target_folder = str(pathlib.PurePosixPath(included).parent)
            if target_folder != folder and target_folder not in rule:
                problems.append(f"{rel} includes {included}: {folder} may "
                                f"include only {', '.join(rule) or 'itself'}")
            if included.rsplit(".", 1)[0] != component:
                targets.append(included.rsplit(".", 1)[0])

    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append("include cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in graph:
        if node not in state:
            visit(node, [node])
    edges = sum(map(len, graph.values()))
    return problems, f"{len(graph)} components, {edges} project includes"


def main():
    problems, summary = check(pathlib.Path(sys.argv[1]))
    for p in problems:
        print(p)
    print(f"{summary}, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
