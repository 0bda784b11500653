"""Windows: let the loader find libpulsar, which the wheel ships in pulsar/_libs.

Imported by pulsar/__init__.py before anything imports pulsar._core. Python (3.8+) loads an
extension's DLL dependencies only from the system directories, the extension's own
directory and those added with os.add_dll_directory, so pulsar/_libs is added here. A
no-op elsewhere (the extension's rpath finds the library on Linux and macOS).
"""

import os
import sys

if sys.platform == "win32":
    # Kept for the life of the process: the directory stays on the search path until
    # this handle is closed.
    _libs = os.add_dll_directory(os.path.join(os.path.dirname(__file__), "_libs"))
