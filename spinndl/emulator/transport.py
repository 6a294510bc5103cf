"""Host-side live streaming, one interface for the emulator and the board.

Streaming code (inference, training) talks to a :class:`Transport`: it sends
``(atom, payload)`` events to a live input (RIPTMCS) by its application
label and receives ``callback(label, atom, payload)`` for events a live
output (LPG) gathers. Both implementations build and read the same EIEIO
KEY_PAYLOAD_32_BIT messages with spinnman's classes and map atoms and keys
with the toolchain's input/output database, so only the wire differs:

* :class:`EmulatorTransport` hands message bytes to the emulator's native
  RIPTMCS model and gets the LPG model's message bytes back;
* :class:`BoardTransport` uses a ``LiveEventConnection`` (UDP to a board).
"""

from abc import ABC, abstractmethod
from collections import defaultdict
from typing import (
    TYPE_CHECKING, Callable, Dict, Iterator, List, Mapping, Optional,
    Sequence, Tuple)

from spinnman.messages.eieio import EIEIOType, read_eieio_data_message
from spinnman.messages.eieio.data_messages import (
    EIEIODataMessage, KeyDataElement, KeyPayloadDataElement)

if TYPE_CHECKING:
    from .emulator import Emulator

#: cb(label, atom, payload); payload is None for events without one.
ReceiveCallback = Callable[[str, int, Optional[int]], None]

#: Events per KEY_PAYLOAD_32_BIT message, as LiveEventConnection sends them.
MAX_EVENTS_PER_MESSAGE = 31


def key_payload_messages(atom_to_key: Mapping[int, int],
                         atoms_and_payloads: Sequence[Tuple[int, int]]
                         ) -> Iterator[EIEIODataMessage]:
    """The KEY_PAYLOAD_32_BIT messages that carry these events, with each
    atom turned into its full key (as LiveEventConnection does)."""
    message = EIEIODataMessage.create(EIEIOType.KEY_PAYLOAD_32_BIT)
    for atom, payload in atoms_and_payloads:
        message.add_key_and_payload(atom_to_key[int(atom)],
                                    int(payload) & 0xFFFFFFFF)
        if message.eieio_header.count == MAX_EVENTS_PER_MESSAGE:
            yield message
            message = EIEIODataMessage.create(EIEIOType.KEY_PAYLOAD_32_BIT)
    if message.eieio_header.count:
        yield message


class Transport(ABC):
    """Send events to live inputs, receive events from live outputs."""

    @abstractmethod
    def send(self, label: str,
             atoms_and_payloads: Sequence[Tuple[int, int]]) -> None:
        """Send events from the live input with this application label."""

    @abstractmethod
    def add_receive_callback(self, label: str,
                             callback: ReceiveCallback) -> None:
        """Call callback(label, atom, payload) for every event of the
        vertex with this label that reaches a live output."""


class EmulatorTransport(Transport):
    """Transport whose wire is the emulator's RIPTMCS and LPG models."""

    def __init__(self, emulator: "Emulator",
                 input_keys: Mapping[str, Mapping[int, int]],
                 output_atoms: Mapping[str, Mapping[int, int]]):
        self._emulator = emulator
        self._input_keys = input_keys
        self._key_to_atom_label: Dict[int, Tuple[int, str]] = {
            key: (atom, label)
            for label, key_to_atom in output_atoms.items()
            for key, atom in key_to_atom.items()}
        self._callbacks: Dict[str, List[ReceiveCallback]] = defaultdict(list)
        #: keys an LPG delivered that no gathered vertex owns
        self.unknown_keys: List[int] = []
        #: messages delivered from live outputs so far
        self.delivered = 0

    def send(self, label: str,
             atoms_and_payloads: Sequence[Tuple[int, int]]) -> None:
        if label not in self._input_keys:
            raise KeyError(f"no live input labelled {label!r}; live inputs: "
                           f"{sorted(self._input_keys)}")
        for message in key_payload_messages(self._input_keys[label],
                                            atoms_and_payloads):
            self._emulator.receive_live_input(label, message.bytestring)

    def add_receive_callback(self, label: str,
                             callback: ReceiveCallback) -> None:
        self._callbacks[label].append(callback)

    def deliver(self, message_bytes: bytes) -> None:
        """Decode one message from a live output, as LiveEventConnection
        does for messages without time."""
        self.delivered += 1
        message = read_eieio_data_message(message_bytes, 0)
        while message.is_next_element:
            element = message.next_element
            if isinstance(element, KeyPayloadDataElement):
                payload: Optional[int] = element.payload
            elif isinstance(element, KeyDataElement):
                payload = None
            else:
                continue
            found = self._key_to_atom_label.get(element.key)
            if found is None:
                self.unknown_keys.append(element.key)
                continue
            atom, label = found
            for callback in self._callbacks[label]:
                callback(label, atom, payload)


class BoardTransport(Transport):
    """Transport over UDP to a real board, through the toolchain's
    LiveEventConnection. Create it before the toolchain runs: the
    connection learns its keys from the database notification."""

    def __init__(self, live_packet_gather_label: Optional[str],
                 receive_labels: Sequence[str] = (),
                 send_labels: Sequence[str] = ()):
        # Imported here: only a board run needs the UDP machinery.
        # pylint: disable=import-outside-toplevel
        from spinn_front_end_common.data import FecDataView
        from spinn_front_end_common.utilities.connections import (
            LiveEventConnection)
        from spinn_utilities.socket_address import SocketAddress
        self._send_labels = list(send_labels)
        self._receive_labels = list(receive_labels)
        self._connection = LiveEventConnection(
            live_packet_gather_label, receive_labels=list(receive_labels),
            send_labels=list(send_labels), local_port=None)
        FecDataView.add_database_socket_address(SocketAddress(
            listen_port=None, notify_host_name=None,
            notify_port_no=self._connection.local_port))

    def send(self, label: str,
             atoms_and_payloads: Sequence[Tuple[int, int]]) -> None:
        # The connection fills its atom->key maps from the database before
        # the run starts; its own send_events_with_payloads sleeps every six
        # messages, so the messages are built here and sent directly.
        # pylint: disable=protected-access
        atom_to_key = self._connection._atom_id_to_key[label]
        for message in key_payload_messages(atom_to_key, atoms_and_payloads):
            self._connection.send_eieio_message(message, label)

    def add_receive_callback(self, label: str,
                             callback: ReceiveCallback) -> None:
        self._connection.add_receive_no_time_callback(label, callback)

    def on_start(self, callback) -> None:
        """Call callback() when the cores start running (the toolchain's
        start/resume notification), from the connection's thread."""
        # any of the connection's labels (none to send when the inputs
        # are on the board)
        label = (self._send_labels or self._receive_labels)[0]
        self._connection.add_start_resume_callback(
            label, lambda _label, _connection: callback())

    def close(self) -> None:
        self._connection.close()
