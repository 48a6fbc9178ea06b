#!/usr/bin/env python3
"""Checks the project's include graph: no cycle among its components (a
component is foo.h with foo.cc), nothing in server/core includes the store or
rpc layer, gRPC, protobuf or libpqxx, and nothing in server/store includes the
rpc layer, gRPC or protobuf. Prints each problem and exits 1 if there is any."""

import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
include = re.compile(r'^\s*#\s*include\s+[<"]([^">]+)[">]', re.M)
graph = {}
for path in list(root.glob("server/**/*.[ch]*")) + list(root.glob("client/cpp/*.[ch]*")):
    rel = path.relative_to(root).as_posix()
    component = rel.rsplit(".", 1)[0]
    targets = graph.setdefault(component, [])
    for i in include.findall(path.read_text()):
        if (root / i).exists() and i.rsplit(".", 1)[0] != component:
            targets.append(i.rsplit(".", 1)[0])

problems = []
above = {
    "server/core": ("server/rpc/", "server/store/", "grpc", "google/protobuf",
                    "indicators/v1", "pqxx", "libpq"),
    "server/store": ("server/rpc/", "grpc", "google/protobuf", "indicators/v1"),
}
for layer, forbidden in above.items():
    for path in root.glob(layer + "/**/*.[ch]*"):
        for i in include.findall(path.read_text()):
            if i.startswith(forbidden):
                problems.append(f"{path.relative_to(root)} includes {i}: "
                                f"{layer} must not depend on it")

# Depth-first search for a cycle.
state = {}
def visit(node, stack):
    state[node] = "open"
    for nxt in graph.get(node, []):
        if state.get(nxt) == "open":
            problems.append("include cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
        elif nxt not in state:
            visit(nxt, stack + [nxt])
    state[node] = "done"
for node in graph:
    if node not in state:
        visit(node, [node])

for p in problems:
    print(p)
print(f"{len(graph)} components, {sum(map(len, graph.values()))} project includes, "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
