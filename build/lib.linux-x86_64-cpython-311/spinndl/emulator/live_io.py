"""Native models of the two toolchain binaries that cannot run on the host.

* :class:`LiveInputModel` is the ReverseIPTagMulticastSource core: it takes
  the EIEIO data messages a host would send it over SDP, decodes them with
  spinnman's own classes and sends one multicast packet per event, with the
  key computed as ``reverse_iptag_multicast_source.c`` does (message prefix,
  else the configured prefix, OR-ed in; key-space check if configured).
* :class:`LiveOutputModel` is the LivePacketGather core: it takes the
  packets the engine's sink core collected and packs them into EIEIO data
  messages as ``live_packet_gather.c`` does, as bytes on the wire.

Both read their configuration from the core's own CONFIGURATION region, as
written by the toolchain's data-spec, so they follow whatever the toolchain
set up rather than a copy of its logic.
"""

import struct
from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple

import numpy

from spinnman.messages.eieio import EIEIOPrefix, EIEIOType
from spinnman.messages.eieio.data_messages import (
    EIEIODataMessage, KeyDataElement, KeyPayloadDataElement)
from spinnman.messages.eieio import read_eieio_data_message

#: Both binaries keep their parameters in region 1 (``CONFIGURATION`` /
#: ``CONFIG`` in the machine vertices' region enums).
CONFIG_REGION = 1
_EVENT_BYTES_PER_MESSAGE = 256   # live_packet_gather.c flushes past this

_TYPE_BY_CODE = {t.encoded_value: t for t in EIEIOType}


def _words(data: bytes, n: int) -> Tuple[int, ...]:
    if len(data) < 4 * n:
        raise ValueError(f"configuration region has {len(data)} bytes, "
                         f"{4 * n} expected")
    return struct.unpack_from(f"<{n}I", data)


@dataclass(frozen=True)
class LiveInputConfig:
    """The first words of the RIPTMCS configuration region."""
    apply_prefix: bool
    prefix: int
    prefix_type: int
    check_keys: bool
    has_key: bool
    key_space: int
    mask: int

    @classmethod
    def from_region(cls, data: bytes) -> "LiveInputConfig":
        (apply_prefix, prefix, prefix_type, check, has_key, key_space,
         mask) = _words(data, 7)
        return cls(bool(apply_prefix), prefix, prefix_type, bool(check),
                   bool(has_key), key_space, mask)


class LiveInputModel:
    """What the RIPTMCS core does with each EIEIO data message."""

    def __init__(self, label: str, config: LiveInputConfig):
        self.label = label
        self.config = config
        #: events discarded by the key-space check (the C's incorrect_keys)
        self.incorrect_keys = 0

    def packets_of(self, message_bytes: bytes
                   ) -> Tuple[numpy.ndarray, numpy.ndarray, bool]:
        """(keys, payloads, has_payload) to send for one EIEIO message."""
        message = read_eieio_data_message(message_bytes, 0)
        header = message.eieio_header
        if header.is_time:
            raise NotImplementedError(
                "time-stamped (buffered) EIEIO messages are not emulated; "
                "live injection sends untimed messages")
        # spinnman applies the message's own prefix while decoding; the C
        # falls back to the configured prefix only when the message has none.
        configured_prefix = 0
        if header.prefix is None and self.config.apply_prefix:
            configured_prefix = self.config.prefix
        keys: List[int] = []
        payloads: List[int] = []
        has_payload = header.eieio_type in (
            EIEIOType.KEY_PAYLOAD_16_BIT, EIEIOType.KEY_PAYLOAD_32_BIT)
        while message.is_next_element:
            element = message.next_element
            if isinstance(element, KeyPayloadDataElement):
                key, payload = element.key, element.payload
            elif isinstance(element, KeyDataElement):
                key, payload = element.key, 0
            else:
                continue
            key |= configured_prefix
            if not self.config.has_key:
                continue
            if (self.config.check_keys and
                    (key & self.config.mask) != self.config.key_space):
                self.incorrect_keys += 1
                continue
            keys.append(key & 0xFFFFFFFF)
            payloads.append(payload & 0xFFFFFFFF)
        return (numpy.array(keys, dtype=numpy.uint32),
                numpy.array(payloads, dtype=numpy.uint32), has_payload)


@dataclass(frozen=True)
class LiveOutputConfig:
    """The first words of the LPG configuration region."""
    apply_prefix: bool
    prefix: int
    prefix_type: int
    message_type: EIEIOType
    key_right_shift: int
    payload_timestamp: bool
    payload_apply_prefix: bool
    payload_prefix: int
    payload_right_shift: int

    @classmethod
    def from_region(cls, data: bytes) -> "LiveOutputConfig":
        (apply_prefix, prefix, prefix_type, packet_type, key_shift,
         timestamp, payload_apply_prefix, payload_prefix,
         payload_shift) = _words(data, 9)
        # Words 12 and 13 are the received key mask and translation shift,
        # word 14 the number of key translations.
        words = struct.unpack_from("<15I", data) if len(data) >= 60 else ()
        if words and (words[12] != 0xFFFFFFFF or words[14] != 0):
            raise NotImplementedError(
                "LPG key masking/translation is not emulated")
        if timestamp:
            raise NotImplementedError(
                "LPG time-stamped payloads are not emulated; use "
                "payload_as_time_stamps=False")
        return cls(bool(apply_prefix), prefix, prefix_type,
                   _TYPE_BY_CODE[packet_type], key_shift, bool(timestamp),
                   bool(payload_apply_prefix), payload_prefix, payload_shift)


class LiveOutputModel:
    """What the LPG core sends to the host for the packets it received."""

    def __init__(self, label: str, config: LiveOutputConfig):
        self.label = label
        self.config = config

    def _new_message(self) -> EIEIODataMessage:
        config = self.config
        return EIEIODataMessage.create(
            config.message_type,
            key_prefix=(config.prefix & 0xFFFF) if config.apply_prefix
            else None,
            payload_prefix=config.payload_prefix
            if config.payload_apply_prefix else None,
            prefix_type=EIEIOPrefix(config.prefix_type))

    def messages_of(self, keys: Sequence[int], payloads: Sequence[int]
                    ) -> Iterable[bytes]:
        """The EIEIO messages (bytes) carrying these packets, in order."""
        config = self.config
        event_type = config.message_type
        capacity = _EVENT_BYTES_PER_MESSAGE // (
            event_type.key_bytes + event_type.payload_bytes)
        is_16_bit = event_type.key_bytes == 2
        with_payload = event_type.payload_bytes > 0
        message = self._new_message()
        for key, payload in zip(keys, payloads):
            key = int(key)
            if is_16_bit:
                key = (key >> config.key_right_shift) & 0xFFFF
                payload = (int(payload) >> config.payload_right_shift) & 0xFFFF
            if with_payload:
                message.add_key_and_payload(key, int(payload))
            else:
                message.add_key(key)
            if message.eieio_header.count >= capacity:
                yield message.bytestring
                message = self._new_message()
        if message.eieio_header.count:
            yield message.bytestring
