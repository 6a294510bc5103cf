"""The SpiNNaker toolchain (spinnaker_graph_front_end 7.4.1) run with
spinndl's own configuration.

spinndl never asks a user to write a config file: its defaults
(``spinndl.cfg``: a virtual SpiNN-5) sit under the user's own
``~/.spiNNakerGraphFrontEnd.cfg``, which is read if present, so a board or
spalloc configured there is used by the same script. Reports go to a private
temporary folder, never into the working directory.
"""

import atexit
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
from typing import Optional

from spinn_utilities.exceptions import SimulatorShutdownException
from spinn_utilities.config_holder import (
    add_default_cfg, clear_cfg_files, get_config_bool, is_config_none,
    set_cfg_files, set_config)
from spinnman.config_setup import add_spinnman_cfg
from pacman.config_setup import add_pacman_cfg
from pacman.model.graphs.application import ApplicationEdge, ApplicationVertex
from spinn_front_end_common.data import FecDataView
from spinn_front_end_common.interface.abstract_spinnaker_base import (
    AbstractSpinnakerBase)
import spinn_front_end_common.interface.config_setup as fec_config
import spinnaker_graph_front_end

#: The toolchain's user config file name (``~/.spiNNakerGraphFrontEnd.cfg``).
USER_CONFIG_FILE = "spiNNakerGraphFrontEnd.cfg"
_OWN_DEFAULTS = os.path.join(os.path.dirname(__file__), "spinndl.cfg")
_BOARD_OPTIONS = ("machine_name", "spalloc_server", "remote_spinnaker_url")
#: The toolchain's loggers; quiet below WARNING unless SPINNDL_VERBOSE is set.
_TOOLCHAIN_LOGGERS = ("spinn_utilities", "spinn_machine", "spinnman",
                      "pacman", "spinn_front_end_common",
                      "spinnaker_graph_front_end")
_report_root: Optional[str] = None


def _verbose() -> bool:
    return os.environ.get("SPINNDL_VERBOSE", "") not in ("", "0")


def _report_folder() -> str:
    """One private report folder per process, removed at exit. Its removal
    is registered before the toolchain registers its own exit hooks (which
    write into the folder), so it runs after them."""
    global _report_root
    if _report_root is None:
        _report_root = tempfile.mkdtemp(prefix="spinndl-reports-")
        atexit.register(shutil.rmtree, _report_root, ignore_errors=True)
    return _report_root


def _load_configs(report_dir: str) -> None:
    """The toolchain's own config chain, minus the template that would make
    it demand (and create) a file in the user's home directory."""
    clear_cfg_files(False)
    add_pacman_cfg()
    add_spinnman_cfg()
    add_default_cfg(os.path.join(
        os.path.dirname(fec_config.__file__), fec_config.BASE_CONFIG_FILE))
    add_default_cfg(os.path.join(
        os.path.dirname(spinnaker_graph_front_end.__file__), USER_CONFIG_FILE))
    add_default_cfg(_OWN_DEFAULTS)
    # The report folder is per run, so its setting is a per-run defaults file.
    report_cfg = os.path.join(report_dir, "reports.cfg")
    with open(report_cfg, "w", encoding="utf-8") as cfg:
        cfg.write(f"[Reports]\ndefault_report_file_path = {report_dir}\n")
    set_cfg_files(config_file=USER_CONFIG_FILE, default=report_cfg)


def board_configured() -> bool:
    """True when the loaded config names a real machine (board, spalloc or
    remote URL); the virtual board is then switched off."""
    return any(not is_config_none("Machine", option)
               for option in _BOARD_OPTIONS)


class _Simulator(AbstractSpinnakerBase):
    """The front end's simulator object, set up like
    ``spinnaker_graph_front_end.SpiNNaker`` but on spinndl's config chain."""

    def __init__(self, binary_folder: str, report_dir: str):
        _load_configs(report_dir)
        super().__init__()
        if board_configured():
            set_config("Machine", "virtual_board", "False")
        self._data_writer.register_binary_search_path(binary_folder)
        self._data_writer.set_n_required(None, None)
        self._data_writer.set_up_timings(None, None, 1)


class ToolchainSession:
    """One toolchain run: build a graph, map it, read the mapping, stop.

    Use as a context manager; leaving it stops the toolchain, whatever
    happened inside.
    """

    def __init__(self, binary_folder: str):
        self._report_dir = _report_folder()
        level = logging.INFO if _verbose() else logging.WARNING
        for name in _TOOLCHAIN_LOGGERS:
            logging.getLogger(name).setLevel(level)
        with self._quiet():
            self._simulator: Optional[_Simulator] = _Simulator(
                binary_folder, self._report_dir)

    @staticmethod
    @contextlib.contextmanager
    def _quiet():
        """Hide the toolchain's chatter (progress bars on stderr, notes on
        stdout) unless SPINNDL_VERBOSE is set; show it if something fails."""
        if _verbose():
            yield
            return
        captured = io.StringIO()
        try:
            with contextlib.redirect_stderr(captured), \
                    contextlib.redirect_stdout(captured):
                yield
        except BaseException:
            sys.stderr.write(captured.getvalue())
            raise

    @property
    def virtual(self) -> bool:
        return get_config_bool("Machine", "virtual_board")

    @staticmethod
    def add_vertex(vertex: ApplicationVertex) -> None:
        FecDataView.add_vertex(vertex)

    @staticmethod
    def add_edge(pre: ApplicationVertex, post: ApplicationVertex,
                 partition_id: str) -> None:
        FecDataView.add_edge(ApplicationEdge(pre, post), partition_id)

    def map(self) -> None:
        """Place, route, allocate keys and write every core's data regions.
        On a virtual board nothing is loaded or run."""
        assert self._simulator is not None
        with self._quiet():
            self._simulator.run(0)

    def run_forever(self) -> None:
        """Load and run until stop_run() is called (a board with live I/O)."""
        assert self._simulator is not None
        self._simulator.run(None)

    def stop_run(self) -> None:
        assert self._simulator is not None
        self._simulator.stop_run()

    def stop(self) -> None:
        if self._simulator is not None:
            simulator, self._simulator = self._simulator, None
            try:
                with self._quiet():
                    simulator.stop()
            except SimulatorShutdownException:
                pass  # a failed mapping has already shut the toolchain down

    def __enter__(self) -> "ToolchainSession":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()
