"""The h5swmr redo journal, format version 2 (version 1 still read), exactly as docs/journal.md specifies (the
contract with the Java implementation io.h5swmr.hdf5.journal): files beside the target, encoding, validation, the
file state a journal applies to, replay, recovery."""
import bisect
import os
import struct
import zlib

from .errors import H5SwmrError

MAGIC = b"H5SWJNL1"
VERSION = 2
HEADER_SIZE = 64
WRITE = 1
COMMIT = 2
BASE = 3
STATE_OPEN = 0
STATE_APPLYING = 1
HEADER_STABLE = 56  # header bytes the whole-journal CRC covers (version 2)
PAGE = 4096  # BASE units never cross a multiple of this
ANCHOR = 4096  # the first bytes of the file are always in the BASE record
_PIECE = 1 << 16  # replay writes never cross a multiple of this
_HEADER1 = struct.Struct("<8sIIQQQ20s")  # magic, version, header_size, base_eof, token, nonce, reserved
_HEADER2 = struct.Struct("<8sIIQQQQQI")  # ..., nonce, device, inode, state
_U32 = struct.Struct("<I")
_WRITE_HEAD = struct.Struct("<IIQQ")  # type, reserved, offset, length
_BASE_HEAD = struct.Struct("<IIQ")  # type, reserved, count
_UNIT = struct.Struct("<QII")  # offset, length, old_crc
_COMMIT = struct.Struct("<IIQQQQI")  # type, reserved, new_eof, record_count, data_bytes, nonce, reserved
_LE64 = struct.Struct("<Q")

COMMITTED = "committed"
INCOMPLETE = "incomplete"
DAMAGED = "damaged"
APPLIED = "applied"  # a version 1 committed journal whose target already holds its new state (read() only)


class JournalStateError(H5SwmrError, OSError):
    """A journal cannot be used with the file as it is (written for another state of it, damaged after its commit,
    or a version 1 journal that names no state). Nothing was changed; the message names both files."""


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


def datasync(fd):
    """Makes a file's bytes and size durable: ``fdatasync`` (docs/journal.md section 3: it suffices for files, and
    skips the inode's timestamps, so a rewrite in place costs no filesystem journal commit)."""
    os.fdatasync(fd)


def _crc(data, crc=0):
    return zlib.crc32(data, crc) & 0xFFFFFFFF


def header(base_eof, token, nonce, device=0, inode=0, state=STATE_OPEN):
    h = _HEADER2.pack(MAGIC, VERSION, HEADER_SIZE, base_eof, token, nonce, device, inode, state)
    return h + _U32.pack(_crc(h))


def header_v1(base_eof, token, nonce):
    h = _HEADER1.pack(MAGIC, 1, HEADER_SIZE, base_eof, token, nonce, bytes(20))
    return h + _U32.pack(_crc(h))


def write_record(nonce, offset, data):
    rec = _WRITE_HEAD.pack(WRITE, 0, offset, len(data)) + bytes(data)
    return rec + _U32.pack(_crc(rec, _crc(_LE64.pack(nonce))))


def base_record(nonce, units):
    """The BASE record: [(offset, length, old_crc)] in offset order."""
    rec = _BASE_HEAD.pack(BASE, 0, len(units)) + b"".join(_UNIT.pack(o, n, c) for o, n, c in units)
    return rec + _U32.pack(_crc(rec, _crc(_LE64.pack(nonce))))


def commit_record(journal_so_far_crc, new_eof, record_count, data_bytes, nonce):
    """The COMMIT record; ``journal_so_far_crc`` is the CRC of every journal byte it covers before it."""
    body = _COMMIT.pack(COMMIT, 0, new_eof, record_count, data_bytes, nonce, 0)
    return body + _U32.pack(_crc(body, journal_so_far_crc))


def extents(records):
    """The journal's image as [(start, end, record index)] in offset order: maximal runs of bytes whose newest
    WRITE record is the same one (what one write of the apply step puts in place)."""
    covered_s, covered_e, out = [], [], []  # disjoint covered intervals, sorted
    for idx in range(len(records) - 1, -1, -1):
        off, data = records[idx]
        s, e = off, off + len(data)
        if s >= e:
            continue
        i = bisect.bisect_right(covered_e, s)  # first covered interval ending after s
        p = s
        j = i
        while j < len(covered_s) and covered_s[j] < e:
            if covered_s[j] > p:
                out.append((p, covered_s[j], idx))
            p = max(p, covered_e[j])
            j += 1
        if p < e:
            out.append((p, e, idx))
        ns, ne = min(s, covered_s[i]) if i < j else s, max(e, covered_e[j - 1]) if i < j else e
        covered_s[i:j] = [ns]
        covered_e[i:j] = [ne]
    out.sort()
    return out


def unit_ranges(image, base_eof, new_eof):
    """The BASE record's ranges [(offset, length)]: every image extent and the parts of [0, ANCHOR) none covers,
    cut to [0, min(base_eof, new_eof)), split at every multiple of PAGE."""
    limit = min(base_eof, new_eof)
    anchor_end = min(ANCHOR, limit)
    out, pos = [], 0

    def split(a, b):
        while a < b:
            stop = min(b, (a // PAGE + 1) * PAGE)
            out.append((a, stop - a))
            a = stop

    for s, e, _ in image:
        s, e = min(s, limit), min(e, limit)
        if pos < min(s, anchor_end):
            split(pos, min(s, anchor_end))
        split(s, e)
        pos = max(pos, e)
    if pos < anchor_end:
        split(pos, anchor_end)
    return out


class Parsed:
    """A parsed journal: status COMMITTED / INCOMPLETE / DAMAGED (APPLIED from read() only); for a valid header
    version, base_eof, token, nonce, device, inode, applying (version 2: the header says the commit was durable
    and applying it may have started); for a committed one new_eof, the WRITE records [(offset, data)] in journal
    order and (version 2) the BASE units [(offset, length, old_crc)]."""

    def __init__(self, status, base_eof=None, token=None, nonce=None, new_eof=None, records=(), version=VERSION,
                 applying=False, device=0, inode=0, units=(), problem=None):
        self.status = status
        self.base_eof = base_eof
        self.token = token
        self.nonce = nonce
        self.new_eof = new_eof
        self.records = list(records)
        self.version = version
        self.applying = applying
        self.device = device
        self.inode = inode
        self.units = list(units)
        self.problem = problem

    @property
    def committed(self):
        return self.status == COMMITTED

    def image(self):
        """[(start, end, bytes)] of the new state's bytes the journal writes, in offset order."""
        out = []
        for s, e, idx in extents(self.records):
            off, data = self.records[idx]
            out.append((s, e, data[s - off:e - off]))
        return out


def parse(buf):
    """Section 2.4 of docs/journal.md."""
    s = len(buf)
    if s < HEADER_SIZE:
        return Parsed(DAMAGED, problem="shorter than its header")
    magic, version, hsize, base_eof, token, nonce, _ = _HEADER1.unpack_from(buf, 0)
    device = inode = 0
    state = STATE_OPEN
    if version == 2:
        _, _, _, _, _, _, device, inode, state = _HEADER2.unpack_from(buf, 0)
    if (magic != MAGIC or version not in (1, 2) or hsize != HEADER_SIZE or state not in (0, 1)
            or _U32.unpack_from(buf, 60)[0] != _crc(buf[:60])):
        return Parsed(DAMAGED, version=0, problem="bad header")
    applying = state == STATE_APPLYING

    def incomplete(problem):
        return Parsed(INCOMPLETE, base_eof, token, nonce, version=version, applying=applying, device=device,
                      inode=inode, problem=problem)

    nonce_crc = _crc(_LE64.pack(nonce))
    p, records, data_bytes, units = HEADER_SIZE, [], 0, None
    mv = memoryview(buf)
    while True:
        if s - p < 8:
            return incomplete("no commit record")
        rtype = _U32.unpack_from(buf, p)[0]
        if rtype == WRITE and units is None:
            if p + 24 + 4 > s:
                return incomplete("no commit record")
            _, _, offset, length = _WRITE_HEAD.unpack_from(buf, p)
            end = p + 24 + length
            if end + 4 > s or offset + length > base_eof:
                return incomplete("bad record at %d" % p)
            if _U32.unpack_from(buf, end)[0] != _crc(mv[p:end], nonce_crc):
                return incomplete("bad record checksum at %d" % p)
            records.append((offset, bytes(mv[p + 24:end])))
            data_bytes += length
            p = end + 4
        elif rtype == BASE and version == 2 and units is None:
            if p + 16 + 4 > s:
                return incomplete("no commit record")
            count = _BASE_HEAD.unpack_from(buf, p)[2]
            end = p + 16 + 16 * count
            if end + 4 > s or _U32.unpack_from(buf, end)[0] != _crc(mv[p:end], nonce_crc):
                return incomplete("bad base record at %d" % p)
            units = [_UNIT.unpack_from(buf, p + 16 + 16 * i) for i in range(count)]
            p = end + 4
        elif rtype == COMMIT:
            if p + _COMMIT.size + 4 != s:
                return incomplete("commit record does not end the file")
            _, _, new_eof, count, nbytes, cnonce, _ = _COMMIT.unpack_from(buf, p)
            if version == 1:
                covered = _crc(mv[:s - 4])
            else:
                covered = _crc(mv[HEADER_SIZE:s - 4], _crc(mv[:HEADER_STABLE]))
            if (cnonce != nonce or count != len(records) or nbytes != data_bytes
                    or _U32.unpack_from(buf, s - 4)[0] != covered):
                return incomplete("bad commit record")
            j = Parsed(COMMITTED, base_eof, token, nonce, new_eof, records, version=version, applying=applying,
                       device=device, inode=inode, units=units or ())
            if version == 2 and (units is None or [(o, n) for o, n, _ in units]
                                 != unit_ranges(extents(records), base_eof, new_eof)):
                return incomplete("base record missing or not matching the writes")
            return j
        else:
            return incomplete("unknown record type %d at %d" % (rtype, p))


def _fid(path_or_fd):
    try:
        st = os.fstat(path_or_fd) if isinstance(path_or_fd, int) else os.stat(path_or_fd)
        return st.st_dev, st.st_ino
    except OSError:
        return 0, 0


def mismatch(fd, j):
    """None when every BASE unit of the committed version 2 journal j holds in the file fd either the bytes the
    commit overwrote (their CRC) or the bytes it writes; else where it does not."""
    size = os.fstat(fd).st_size
    image = j.image()
    starts = [s for s, _, _ in image]
    for off, n, old_crc in j.units:
        if off + n > size:
            return "it is %d bytes long, the journal covers bytes up to %d" % (size, off + n)
        now = os.pread(fd, n, off)
        if _crc(now) == old_crc:
            continue
        i = bisect.bisect_right(starts, off) - 1
        if i >= 0 and image[i][1] > off:  # else a part of the anchor the commit does not write: old bytes only
            s, _, data = image[i]
            if now == data[off - s:off - s + n]:
                continue
        return "its bytes [%d, %d) are neither those the journal's commit overwrote nor those it writes" % (
            off, off + n)
    return None


def already_applied(fd, j):
    """Version 1: True when the file fd already is the committed journal's new state."""
    if os.fstat(fd).st_size != j.new_eof:
        return False
    for s, e, data in j.image():
        e = min(e, j.new_eof)
        if s < e and os.pread(fd, e - s, s) != data[:e - s]:
            return False
    return True


def _not_this_file(real_path, j, fd, why):
    jp = sidecar(real_path, "journal")
    dev, ino = _fid(fd)
    return JournalStateError(
        "The journal %s was not written for %s as it is now: %s (journal written by the writer with fencing "
        "token %d for a file of %d bytes%s, new size %d; file now %d bytes, inode %d on device %d). The file was "
        "replaced, regenerated or restored after the writer of that commit died. Nothing was changed and the "
        "journal was kept. If %s is meant to be as it is now, delete %s; to finish the interrupted commit "
        "instead, put back the file it was written for and open it again."
        % (jp, real_path, why, j.token, j.base_eof,
           " (inode %d on device %d)" % (j.inode, j.device) if j.inode else "", j.new_eof,
           os.fstat(fd).st_size, ino, dev, real_path, jp))


def _damaged_after_commit(real_path, j):
    jp = sidecar(real_path, "journal")
    return JournalStateError(
        "The journal %s of a commit to %s is damaged (%s) although its commit had been made durable and applying "
        "it may have started: %s may hold the committed state, the one before it, or part of each, and the "
        "journal can no longer tell. Nothing was changed (the file was not cut back) and both files were kept. "
        "Check %s (h5dump, h5py); if it is intact, delete %s; otherwise restore it from a backup."
        % (jp, real_path, j.problem, real_path, real_path, jp))


def _version_one(real_path, j):
    jp = sidecar(real_path, "journal")
    return JournalStateError(
        "The journal %s beside %s is %s journal in format version 1, written by an earlier h5swmr that did not "
        "record which state of the file it applies to, so it cannot be proved to belong to the file as it is "
        "now. Nothing was changed and both files were kept. Deleting %s keeps %s as it is%s."
        % (jp, real_path, "a committed" if j.committed else "an unfinished", jp, real_path,
           " (without the commit that journal holds, which was not applied yet)" if j.committed else ""))


def _read_raw(real_path):
    try:
        with open(sidecar(real_path, "journal"), "rb") as f:
            return parse(f.read())
    except FileNotFoundError:
        return None


def read(real_path):
    """The parsed journal beside ``real_path`` as a reader may use it, or None when there is none. A committed
    journal is returned only when it applies to the file as it is (status APPLIED for a version 1 journal the file
    already holds). Raises JournalStateError for a journal that must not be read through and without which the
    file cannot be trusted (see recover)."""
    j = _read_raw(real_path)
    if j is None or not os.path.exists(real_path):
        return j
    if j.status == INCOMPLETE and j.applying:
        raise _damaged_after_commit(real_path, j)
    if not j.committed:
        return j
    fd = os.open(real_path, os.O_RDONLY)
    try:
        if j.version == 1:
            if not already_applied(fd, j):
                raise _version_one(real_path, j)
            j.status = APPLIED
            return j
        why = mismatch(fd, j)
        if why is not None:
            raise _not_this_file(real_path, j, fd, why)
    finally:
        os.close(fd)
    return j


def replay(fd, parsed, pause=lambda step: None):
    """Section 2.5: the journal's image (newest bytes per offset, so a crash midway leaves every byte old or new)
    in pieces that never cross a multiple of 64 KiB, then the size; fsync. Idempotent."""
    image = parsed.image()
    for i, (s, e, data) in enumerate(image):
        e = min(e, parsed.new_eof)
        p = s
        while p < e:
            stop = min(e, (p // _PIECE + 1) * _PIECE)
            os.pwrite(fd, data[p - s:stop - s], p)
            p = stop
        if i == len(image) // 2:
            pause("applied-partly")
    os.ftruncate(fd, parsed.new_eof)
    datasync(fd)


def recover(real_path, fd):
    """Section 5, under the exclusive lease and the write fence. Returns the status handled, or None. Raises
    JournalStateError (changing nothing) for a journal written for another state of the file, one damaged after
    its commit was durable, or a version 1 journal the file does not already hold."""
    j = _read_raw(real_path)
    if j is None:
        return None
    if j.status != DAMAGED and j.version == 1:
        if not j.committed or not already_applied(fd, j):
            raise _version_one(real_path, j)
    elif j.committed:
        why = mismatch(fd, j)
        if why is not None:
            raise _not_this_file(real_path, j, fd, why)
        replay(fd, j)
    elif j.status == INCOMPLETE and j.applying:
        raise _damaged_after_commit(real_path, j)
    elif j.status == INCOMPLETE and os.fstat(fd).st_size > j.base_eof:
        os.ftruncate(fd, j.base_eof)  # the header says the commit never became durable: nothing below was written
    os.unlink(sidecar(real_path, "journal"))
    return j.status


class JournalWriter:
    """The journal of one write session: header at session start, WRITE records, BASE and COMMIT records, then
    the header's state set to applying."""

    def __init__(self, real_path, base_eof, token):
        self.path = sidecar(real_path, "journal")
        self.nonce = int.from_bytes(os.urandom(8), "little")
        self.base_eof = base_eof
        self.token = token
        self.device, self.inode = _fid(real_path)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        h = header(base_eof, token, self.nonce, self.device, self.inode)
        self._crc = _crc(h[:HEADER_STABLE])
        os.write(self.fd, h)
        self.records = 0
        self.data_bytes = 0

    def append(self, offset, data):
        rec = write_record(self.nonce, offset, data)
        os.write(self.fd, rec)
        self._crc = _crc(rec, self._crc)
        self.records += 1
        self.data_bytes += len(data)

    def commit(self, new_eof, units=()):
        """Step 3: the BASE record ([(offset, length, old_crc)] of unit_ranges), the COMMIT record, fsync."""
        b = base_record(self.nonce, list(units))
        self._crc = _crc(b, self._crc)
        os.write(self.fd, b + commit_record(self._crc, new_eof, self.records, self.data_bytes, self.nonce))
        datasync(self.fd)

    def mark_applying(self):
        """After the commit point, before anything below base_eof is written: the header says so, fsync."""
        os.pwrite(self.fd, header(self.base_eof, self.token, self.nonce, self.device, self.inode, STATE_APPLYING), 0)
        datasync(self.fd)

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
