"""The native RIPTMCS/LPG models and the emulator transport, without an
engine: messages are built and read with spinnman's EIEIO classes."""

import struct

import pytest
from hypothesis import given, strategies as st

from spinnman.messages.eieio import EIEIOType
from spinnman.messages.eieio.data_messages import EIEIODataMessage

from spinndl.emulator.live_io import (
    LiveInputConfig, LiveInputModel, LiveOutputConfig, LiveOutputModel)
from spinndl.emulator.snapshot import route_masks
from spinndl.emulator.transport import (
    MAX_EVENTS_PER_MESSAGE, EmulatorTransport, key_payload_messages)

U32 = st.integers(min_value=0, max_value=0xFFFFFFFF)


def riptmcs_region(apply_prefix=1, prefix=0, check=0, has_key=1,
                   key_space=0, mask=0xFFFFFFF8):
    # apply_prefix, prefix, prefix_type (upper), check, has_key, key, mask
    return struct.pack("<7I", apply_prefix, prefix, 1, check, has_key,
                       key_space, mask)


def lpg_region(message_type=EIEIOType.KEY_PAYLOAD_32_BIT):
    words = [0, 0, 0, message_type.encoded_value, 0, 0, 0, 0, 0,
             3, 0, 0, 0xFFFFFFFF, 0, 0]
    return struct.pack(f"<{len(words)}I", *words)


def test_route_masks_put_processors_and_links_in_their_bits():
    assert route_masks([1, 17], [0, 5]) == ((1 << 1) | (1 << 17), 0b100001)
    with pytest.raises(ValueError):
        route_masks([], [6])


def test_live_input_sends_full_keys_with_payloads():
    model = LiveInputModel("in", LiveInputConfig.from_region(
        riptmcs_region(prefix=0x100, key_space=0x100)))
    atom_to_key = {atom: 0x100 + atom for atom in range(8)}
    messages = list(key_payload_messages(atom_to_key, [(3, 7), (5, 0xFFFF)]))
    keys, payloads, has_payload = model.packets_of(messages[0].bytestring)
    assert has_payload
    assert list(keys) == [0x103, 0x105]
    assert list(payloads) == [7, 0xFFFF]


def test_live_input_applies_configured_prefix_to_bare_atoms():
    model = LiveInputModel("in", LiveInputConfig.from_region(
        riptmcs_region(prefix=0x4000)))
    message = EIEIODataMessage.create(EIEIOType.KEY_PAYLOAD_32_BIT)
    message.add_key_and_payload(2, 9)
    keys, _payloads, _ = model.packets_of(message.bytestring)
    assert list(keys) == [0x4002]


def test_live_input_key_check_discards_foreign_keys():
    model = LiveInputModel("in", LiveInputConfig.from_region(
        riptmcs_region(apply_prefix=0, check=1, key_space=0x100)))
    message = EIEIODataMessage.create(EIEIOType.KEY_PAYLOAD_32_BIT)
    message.add_key_and_payload(0x101, 1)
    message.add_key_and_payload(0x201, 2)
    keys, payloads, _ = model.packets_of(message.bytestring)
    assert list(keys) == [0x101] and list(payloads) == [1]
    assert model.incorrect_keys == 1


def test_messages_hold_at_most_the_live_event_connection_count():
    atom_to_key = {atom: atom for atom in range(100)}
    messages = list(key_payload_messages(
        atom_to_key, [(atom, atom) for atom in range(100)]))
    counts = [m.eieio_header.count for m in messages]
    assert counts == [MAX_EVENTS_PER_MESSAGE] * 3 + [100 - 3 * 31]


class _NoEmulator:
    pass


@given(st.lists(st.tuples(st.integers(0, 49), U32), max_size=200))
def test_live_output_to_transport_round_trip(events):
    """Packets an LPG gathers reach cb(label, atom, payload) in order."""
    base = 0x1000
    transport = EmulatorTransport(
        _NoEmulator(), {}, {"layer": {base + atom: atom
                                      for atom in range(50)}})
    received = []
    transport.add_receive_callback(
        "layer", lambda label, atom, payload:
        received.append((label, atom, payload)))
    model = LiveOutputModel("lpg", LiveOutputConfig.from_region(lpg_region()))
    keys = [base + atom for atom, _ in events]
    payloads = [payload for _, payload in events]
    for message in model.messages_of(keys, payloads):
        transport.deliver(message)
    assert received == [("layer", atom, payload) for atom, payload in events]
    assert transport.unknown_keys == []


def test_live_output_without_payload_gives_none_and_reports_unknown_keys():
    transport = EmulatorTransport(_NoEmulator(), {}, {"layer": {7: 0}})
    received = []
    transport.add_receive_callback(
        "layer", lambda *event: received.append(event))
    model = LiveOutputModel("lpg", LiveOutputConfig.from_region(
        lpg_region(EIEIOType.KEY_32_BIT)))
    for message in model.messages_of([7, 8], [5, 6]):
        transport.deliver(message)
    assert received == [("layer", 0, None)]
    assert transport.unknown_keys == [8]


def test_live_output_rejects_key_translation():
    words = list(struct.unpack("<15I", lpg_region()))
    words[14] = 2
    with pytest.raises(NotImplementedError):
        LiveOutputConfig.from_region(struct.pack("<15I", *words))
