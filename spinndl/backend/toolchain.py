"""The SpiNNaker toolchain (spinnaker_graph_front_end 7.4.1) run with
spinndl's own configuration.

spinndl never asks a user to write a config file: its defaults
(``spinndl.cfg``: a virtual SpiNN-5) sit under the user's own
``~/.spiNNakerGraphFrontEnd.cfg``, which is read if present, so a board or
spalloc configured there is used by the same script. Reports go to a private
temporary folder per session, never into the working directory, removed when
the session ends. A session also gives back the process's SIGINT handler and
``sys.excepthook``, which the toolchain replaces with its own.
"""

import atexit
import contextlib
import io
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from spinn_utilities.data.utils_data_writer import UtilsDataWriter
from spinn_utilities.exceptions import SimulatorShutdownException
from spinn_utilities.log import FormatAdapter
from spinn_utilities.config_holder import (
    add_default_cfg, clear_cfg_files, get_config_bool, is_config_none,
    set_cfg_files, set_config)
from spinnman.config_setup import add_spinnman_cfg
from pacman.config_setup import add_pacman_cfg
from pacman.exceptions import PacmanException
from pacman.model.graphs.application import ApplicationEdge, ApplicationVertex
from spinn_front_end_common.data import FecDataView
from spinn_machine.virtual_machine import virtual_machine_by_boards
from spinn_front_end_common.interface.abstract_spinnaker_base import (
    AbstractSpinnakerBase)
import spinn_front_end_common.interface.config_setup as fec_config
import spinnaker_graph_front_end

from ..graph.network import BINARY_FOLDER, NetworkGraph

#: The toolchain's user config file name (``~/.spiNNakerGraphFrontEnd.cfg``).
USER_CONFIG_FILE = "spiNNakerGraphFrontEnd.cfg"
_OWN_DEFAULTS = os.path.join(os.path.dirname(__file__), "spinndl.cfg")
_BOARD_OPTIONS = ("machine_name", "spalloc_server", "remote_spinnaker_url")
#: The toolchain's loggers; quiet below WARNING unless SPINNDL_VERBOSE is set.
_TOOLCHAIN_LOGGERS = ("spinn_utilities", "spinn_machine", "spinnman",
                      "pacman", "spinn_front_end_common",
                      "spinnaker_graph_front_end")
#: Prefix of the per-session report folders in the temporary directory.
REPORT_FOLDER_PREFIX = "spinndl-reports-"


def _verbose() -> bool:
    return os.environ.get("SPINNDL_VERBOSE", "") not in ("", "0")


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
    ``spinnaker_graph_front_end.SpiNNaker`` but on spinndl's config chain.

    ``boards`` fixes a virtual machine's size (the toolchain would
    otherwise grow it to fit any graph); ``force_virtual`` emulates even if
    a board is configured. A real machine is what it is (a spalloc request
    is still sized by the toolchain to the graph)."""

    def __init__(self, binary_folder: str, report_dir: str, boards: int,
                 force_virtual: bool):
        _load_configs(report_dir)
        super().__init__()
        if force_virtual:
            set_config("Machine", "virtual_board", "True")
        elif board_configured():
            set_config("Machine", "virtual_board", "False")
        self._data_writer.register_binary_search_path(binary_folder)
        self._data_writer.set_n_required(
            boards if get_config_bool("Machine", "virtual_board") else None,
            None)
        self._data_writer.set_up_timings(None, None, 1)


def describe_machine(boards: int, chips: int, virtual: bool) -> str:
    """How reports name a machine: its boards and chips."""
    if virtual:
        kind = "virtual SpiN-5 board" + ("s" if boards != 1 else "")
        return f"{boards} {kind} ({chips} chips, emulator)"
    return (f"a SpiNNaker machine of {boards} board"
            f"{'s' if boards != 1 else ''} ({chips} chips)")


def application_cores(machine) -> int:
    """Cores of ``machine`` the placer can give to the graph: every chip's
    non-monitor cores minus the system cores the toolchain adds while
    mapping (an extra monitor on every chip and a data gatherer on every
    Ethernet chip when advanced monitoring or reinjection is on, a power
    monitor on every chip when energy reports are on)."""
    chips = machine.n_chips
    ethernets = len(machine.ethernet_connected_chips)
    system = 0
    if get_config_bool("Machine", "enable_advanced_monitor_support") or \
            get_config_bool("Machine", "enable_reinjection"):
        system += chips + ethernets
    if get_config_bool("Reports", "write_energy_report"):
        system += chips
    return machine.total_available_user_cores - system


class ToolchainSession:
    """One toolchain run: build a graph, map it, read the mapping, stop.

    Use as a context manager; leaving it stops the toolchain, whatever
    happened inside, removes the session's report folder and gives back
    the SIGINT handler and ``sys.excepthook`` the toolchain replaced.

    ``machine``: a ``spinndl.VirtualMachine`` to emulate that many boards,
    or None for the configured machine (one board).
    """

    def __init__(self, binary_folder: str, machine=None):
        self._saved_handlers = _saved_handlers()
        self._report_dir: Optional[str] = tempfile.mkdtemp(
            prefix=REPORT_FOLDER_PREFIX)
        self._simulator: Optional[_Simulator] = None
        self.boards = 1 if machine is None else machine.boards
        level = logging.INFO if _verbose() else logging.WARNING
        for name in _TOOLCHAIN_LOGGERS:
            logging.getLogger(name).setLevel(level)
        try:
            with self._quiet():
                self._simulator = _Simulator(
                    binary_folder, self._report_dir, self.boards,
                    force_virtual=machine is not None)
        except BaseException:
            self._clean_up()
            raise

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

    def nominal_machine(self):
        """The machine the session maps onto, as spinn_machine builds it for
        the configured version and board count (a real machine may have
        fewer working cores; its placer then says so)."""
        return virtual_machine_by_boards(self.boards)

    def capacity(self):
        """(application cores, boards, description) of the virtual machine
        mapped onto; None for a real machine, whose size is only known once
        the toolchain has connected to it (or, with spalloc, allocated one
        to fit)."""
        if not self.virtual:
            return None
        machine = self.nominal_machine()
        boards = len(machine.ethernet_connected_chips)
        return application_cores(machine), boards, describe_machine(
            boards, machine.n_chips, self.virtual)

    def nominal_capacity(self):
        """(application cores, boards, description) of the nominal machine
        (for a real machine: as many boards as configured, every core
        working)."""
        machine = self.nominal_machine()
        boards = len(machine.ethernet_connected_chips)
        return application_cores(machine), boards, describe_machine(
            boards, machine.n_chips, self.virtual)

    @staticmethod
    def boards_needed(cores_on) -> Optional[int]:
        """The fewest boards of a virtual machine whose application cores
        hold ``cores_on(boards)`` (None beyond 24 boards)."""
        for boards in range(1, 25):
            machine = virtual_machine_by_boards(boards)
            if application_cores(machine) >= cores_on(
                    len(machine.ethernet_connected_chips)):
                return boards
        return None

    def describe_mapped_machine(self) -> str:
        machine = FecDataView.get_machine()
        return describe_machine(len(machine.ethernet_connected_chips),
                                machine.n_chips, self.virtual)

    def map(self) -> None:
        """Place, route, allocate keys and write every core's data regions.
        On a virtual board nothing is loaded or run. A toolchain error is
        re-raised with the reports it names inlined, as the folder they are
        in goes when the session ends."""
        assert self._simulator is not None
        try:
            with self._quiet():
                self._simulator.run(0)
        except PacmanException as error:
            raise MappingError(self._with_reports(str(error))) from error

    def _with_reports(self, message: str) -> str:
        """The message plus the text of every report file it names from
        this session's folder (a failed placement points at one)."""
        assert self._report_dir is not None
        shown = []
        for word in message.replace("\n", " ").split():
            path = word.strip("'\",.;:()")
            if path.startswith(self._report_dir) and os.path.isfile(path) \
                    and path not in shown:
                shown.append(path)
        parts = [message]
        for path in shown:
            with open(path, encoding="utf-8", errors="replace") as report:
                text = report.read(REPORT_EXCERPT_CHARS)
            parts.append(f"--- {os.path.basename(path)} (deleted with the "
                         f"session's report folder) ---\n{text}")
        return "\n".join(parts)

    def run_forever(self) -> None:
        """Load and run until stop_run() is called (a board with live I/O)."""
        assert self._simulator is not None
        self._simulator.run(None)

    def stop_run(self) -> None:
        assert self._simulator is not None
        self._simulator.stop_run()

    def stop(self) -> None:
        try:
            if self._simulator is not None:
                simulator, self._simulator = self._simulator, None
                try:
                    with self._quiet():
                        simulator.stop()
                except SimulatorShutdownException:
                    pass  # a failed mapping has already shut it down
        finally:
            self._clean_up()

    def _clean_up(self) -> None:
        """Give back the handlers, drop the toolchain's hooks into this
        session's report folder, remove the folder."""
        _restore_handlers(self._saved_handlers)
        if self._report_dir is not None:
            # The toolchain keeps its log store (an sqlite file in the
            # folder) and an exit hook that writes into the folder: both
            # would recreate it after removal.
            FormatAdapter.set_log_store(None)
            atexit.unregister(UtilsDataWriter.write_errored_file)
            shutil.rmtree(self._report_dir, ignore_errors=True)
            self._report_dir = None

    def __enter__(self) -> "ToolchainSession":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


#: How much of a report a mapping error quotes.
REPORT_EXCERPT_CHARS = 6000


class MappingError(RuntimeError):
    """The toolchain could not map the graph (the reports it wrote are in
    the message)."""


def _saved_handlers():
    """The SIGINT handler and excepthook (signals only in the main thread)."""
    in_main = threading.current_thread() is threading.main_thread()
    return (signal.getsignal(signal.SIGINT) if in_main else None,
            sys.excepthook)


def _restore_handlers(saved) -> None:
    handler, hook = saved
    if handler is not None and \
            threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)
    sys.excepthook = hook


@contextmanager
def mapped_network(layers, training_config=None, machine=None,
                   numerics=None, layout=None, board_inputs=None
                   ) -> Iterator[NetworkGraph]:
    """Map a model's layers in a fresh toolchain session (the training
    layout when a spinndl.training.config.TrainingConfig is given, e.g.
    ``default_config()``; inference with None; ``machine`` a
    spinndl.VirtualMachine or None for the configured one); inside the
    block the toolchain's placements, routing and data regions can be
    read."""
    with ToolchainSession(BINARY_FOLDER, machine) as session:
        started = time.perf_counter()
        graph = NetworkGraph(session, layers, training_config,
                             numerics=numerics, layout=layout,
                             board_inputs=board_inputs)
        session.map()
        graph.mapping_seconds = time.perf_counter() - started
        yield graph
