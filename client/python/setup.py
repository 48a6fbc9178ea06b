"""Builds the package with the code generated from the contract.

`build_py` runs grpc_tools.protoc on the .proto files (from ../../proto, or
$INDICATORS_PROTO_DIR) into the build directory, so the wheel holds the
`indicators.v1` and `google.rpc` modules beside `indicators_client`.
"""

import os
import pathlib

from setuptools import setup
from setuptools.command.build_py import build_py

PROTOS = [
    "indicators/v1/resources.proto",
    "indicators/v1/indicator_service.proto",
    "google/rpc/status.proto",
    "google/rpc/error_details.proto",
]


def proto_dir() -> pathlib.Path:
    configured = os.environ.get("INDICATORS_PROTO_DIR")
    here = pathlib.Path(__file__).resolve().parent
    directory = pathlib.Path(configured) if configured else here.parent.parent / "proto"
    if not (directory / PROTOS[0]).is_file():
        raise SystemExit(
            f"indicators-client: the .proto files are not in {directory}; build from a "
            "source checkout or set INDICATORS_PROTO_DIR")
    return directory


class BuildWithGeneratedCode(build_py):
    def run(self):
        super().run()
        from grpc_tools import protoc  # A build requirement.

        source = proto_dir()
        out = pathlib.Path(self.build_lib)
        out.mkdir(parents=True, exist_ok=True)
        args = ["grpc_tools.protoc", f"-I{source}", f"--python_out={out}",
                f"--grpc_python_out={out}"] + [str(source / p) for p in PROTOS]
        if protoc.main(args) != 0:
            raise SystemExit("indicators-client: generating the Python code failed")


setup(cmdclass={"build_py": BuildWithGeneratedCode})
