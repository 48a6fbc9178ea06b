#!/usr/bin/env python3
"""Shows that check_includes.py fails on planted violations: a copy of the
tree's C++ sources passes, then each planted include is reported."""

import pathlib
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import check_includes  # noqa: E402

ROOT = pathlib.Path(sys.argv.pop(1)) if len(sys.argv) > 1 else None


class PlantedViolationTest(unittest.TestCase):

    def setUp(self):
        self.tmp = pathlib.Path(tempfile.mkdtemp())
        for part in ("server", "client/cpp", "common"):
            shutil.copytree(ROOT / part, self.tmp / part)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def plant(self, rel, include):
        path = self.tmp / rel
        path.write_text(f'#include "{include}"\n' + path.read_text())

    def test_the_tree_as_committed_passes(self):
        problems, _ = check_includes.check(self.tmp)
        self.assertEqual(problems, [])

    def test_the_core_including_the_rpc_layer_fails(self):
        self.plant("server/core/base/utf8.h", "server/rpc/server.h")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any("server/core/base/utf8.h includes server/rpc/server.h"
                            in p for p in problems), problems)

    def test_an_arrow_up_inside_the_core_fails(self):
        self.plant("server/core/dataset/model.h", "server/core/query/page_token.h")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any("server/core/dataset may include only server/core/base"
                            in p for p in problems), problems)

    def test_the_wire_encoding_including_the_serving_layer_fails(self):
        self.plant("server/wire/convert.cc", "server/serving/change_log.h")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any("server/wire/convert.cc includes "
                            "server/serving/change_log.h" in p for p in problems),
                        problems)

    def test_the_store_including_grpc_fails(self):
        self.plant("server/store/schema.h", "grpcpp/grpcpp.h")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any("server/store must not depend on it" in p
                            for p in problems), problems)

    def test_a_new_folder_without_a_rule_fails(self):
        (self.tmp / "server/extra").mkdir()
        (self.tmp / "server/extra/thing.h").write_text("")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any("folder server/extra has no rule" in p
                            for p in problems), problems)

    def test_a_cycle_fails(self):
        self.plant("server/core/base/utf8.h", "server/core/base/errors.h")
        self.plant("server/core/base/errors.h", "server/core/base/utf8.h")
        problems, _ = check_includes.check(self.tmp)
        self.assertTrue(any(p.startswith("include cycle") for p in problems),
                        problems)


if __name__ == "__main__":
    unittest.main()
