"""The h5swmr redo journal, format version 1, exactly as docs/journal.md specifies (the contract with the Java
implementation io.h5swmr.hdf5.journal): files beside the target, encoding, validation, replay, recovery."""
import os
import struct
import zlib

MAGIC = b"H5SWJNL1"
VERSION = 1
HEADER_SIZE = 64
WRITE = 1
COMMIT = 2
_HEADER = struct.Struct("<8sIIQQQ20s")  # magic, version, header_size, base_eof, token, nonce, reserved
_U32 = struct.Struct("<I")
_WRITE_HEAD = struct.Struct("<IIQQ")  # type, reserved, offset, length
_COMMIT = struct.Struct("<IIQQQQI")  # type, reserved, new_eof, record_count, data_bytes, nonce, reserved
_LE64 = struct.Struct("<Q")

COMMITTED = "committed"
INCOMPLETE = "incomplete"
DAMAGED = "damaged"


def sidecar(real_path, kind):
    """``D/.N.h5swmr-<kind>`` for the real file ``D/N`` (kind: journal, lock, commit-<token>)."""
    d, name = os.path.split(real_path)
    return os.path.join(d, ".%s.h5swmr-%s" % (name, kind))


def fsync_dir(path):
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _crc(data, crc=0):
    return zlib.crc32(data, crc) & 0xFFFFFFFF


def header(base_eof, token, nonce):
    h = _HEADER.pack(MAGIC, VERSION, HEADER_SIZE, base_eof, token, nonce, bytes(20))
    return h + _U32.pack(_crc(h))


def write_record(nonce, offset, data):
    rec = _WRITE_HEAD.pack(WRITE, 0, offset, len(data)) + bytes(data)
    return rec + _U32.pack(_crc(rec, _crc(_LE64.pack(nonce))))


def commit_record(journal_so_far_crc, new_eof, record_count, data_bytes, nonce):
    """The COMMIT record; ``journal_so_far_crc`` is the CRC of every journal byte before it."""
    body = _COMMIT.pack(COMMIT, 0, new_eof, record_count, data_bytes, nonce, 0)
    return body + _U32.pack(_crc(body, journal_so_far_crc))


class Parsed:
    """A parsed journal: status COMMITTED / INCOMPLETE / DAMAGED, and for a valid header base_eof, token, nonce;
    for a committed one new_eof and the WRITE records [(offset, data)] in journal order."""

    def __init__(self, status, base_eof=None, token=None, nonce=None, new_eof=None, records=()):
        self.status = status
        self.base_eof = base_eof
        self.token = token
        self.nonce = nonce
        self.new_eof = new_eof
        self.records = list(records)

    @property
    def committed(self):
        return self.status == COMMITTED


def parse(buf):
    """Section 2.4 of docs/journal.md."""
    s = len(buf)
    if s < HEADER_SIZE:
        return Parsed(DAMAGED)
    magic, version, hsize, base_eof, token, nonce, _ = _HEADER.unpack_from(buf, 0)
    if (magic != MAGIC or version != VERSION or hsize != HEADER_SIZE
            or _U32.unpack_from(buf, 60)[0] != _crc(buf[:60])):
        return Parsed(DAMAGED)
    incomplete = Parsed(INCOMPLETE, base_eof, token, nonce)
    nonce_crc = _crc(_LE64.pack(nonce))
    p, records, data_bytes = HEADER_SIZE, [], 0
    mv = memoryview(buf)
    while True:
        if s - p < 8:
            return incomplete
        rtype = _U32.unpack_from(buf, p)[0]
        if rtype == WRITE:
            if p + 24 + 4 > s:
                return incomplete
            _, _, offset, length = _WRITE_HEAD.unpack_from(buf, p)
            end = p + 24 + length
            if end + 4 > s or _U32.unpack_from(buf, end)[0] != _crc(mv[p:end], nonce_crc):
                return incomplete
            records.append((offset, bytes(mv[p + 24:end])))
            data_bytes += length
            p = end + 4
        elif rtype == COMMIT:
            if p + _COMMIT.size + 4 != s:
                return incomplete
            _, _, new_eof, count, nbytes, cnonce, _ = _COMMIT.unpack_from(buf, p)
            if (cnonce != nonce or count != len(records) or nbytes != data_bytes
                    or _U32.unpack_from(buf, s - 4)[0] != _crc(mv[:s - 4])):
                return incomplete
            return Parsed(COMMITTED, base_eof, token, nonce, new_eof, records)
        else:
            return incomplete


def read(real_path):
    """The parsed journal beside ``real_path``, or None when there is none."""
    try:
        with open(sidecar(real_path, "journal"), "rb") as f:
            return parse(f.read())
    except FileNotFoundError:
        return None


def replay(fd, parsed, pause=lambda step: None):
    """Section 2.5: every record at its offset in journal order, then the size; fsync. Idempotent."""
    for i, (off, data) in enumerate(parsed.records):
        os.pwrite(fd, data, off)
        if i == len(parsed.records) // 2:
            pause("applied-partly")
    os.ftruncate(fd, parsed.new_eof)
    os.fsync(fd)


def recover(real_path, fd):
    """Section 5, under the exclusive lease and the write fence. Returns the status handled, or None."""
    j = read(real_path)
    if j is None:
        return None
    if j.committed:
        replay(fd, j)
    elif j.status == INCOMPLETE and os.fstat(fd).st_size > j.base_eof:
        os.ftruncate(fd, j.base_eof)
    os.unlink(sidecar(real_path, "journal"))
    return j.status


class JournalWriter:
    """The journal of one write session: header at session start, WRITE records, COMMIT record."""

    def __init__(self, real_path, base_eof, token):
        self.path = sidecar(real_path, "journal")
        self.nonce = int.from_bytes(os.urandom(8), "little")
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        h = header(base_eof, token, self.nonce)
        self._crc = _crc(h)
        os.write(self.fd, h)
        self.records = 0
        self.data_bytes = 0

    def append(self, offset, data):
        rec = write_record(self.nonce, offset, data)
        os.write(self.fd, rec)
        self._crc = _crc(rec, self._crc)
        self.records += 1
        self.data_bytes += len(data)

    def commit(self, new_eof):
        """Step 3: the COMMIT record and fsync(journal)."""
        os.write(self.fd, commit_record(self._crc, new_eof, self.records, self.data_bytes, self.nonce))
        os.fsync(self.fd)

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def delete(self):
        self.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
