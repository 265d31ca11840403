#!/usr/bin/python3
"""checklib: independent checks of what KafScale stores, for the data-path tests.

Written from the format description of the original KafScale (Go), not from
this project's C code, so a bug shared by the writer and its own reader
still shows up here.  Standard library only (run with /usr/bin/python3).

  The messages of rdkafka_check (and of the Python tests):
    key(seq, P)  = b"k-<seq % P>-<seq>"
    headers(seq) = [("h1", b"<seq>"), ("h2", b"kafscale-e2e")]
    value(seq, size) = "<crc32 of the rest, 8 hex>" "<seq, 12 digits>:" + padding

  Segment objects: {ns}/{topic}/{partition}/segment-{base:020d}.kfs + .index
    .kfs   = 32-byte header "KAFS", version 1, flags, base offset, message
             count, created ms, reserved; v2 record batches; 16-byte footer
             CRC32C(body), last offset, "END!"; big-endian
    .index = 16-byte header "IDX\\0", version 1, entry count, interval,
             reserved; 12-byte entries (batch base offset, file position)

Command line:
  checklib.py segments (--file-root DIR | --s3rver-root DIR) --namespace NS
      --topic T --partitions P --count N [--size SIZE]
  checks the layout, every CRC, the index, that the segments of each
  partition cover offsets 0..n-1 contiguously (n = messages of seq % P == p
  among 0..N-1), and with --size every record byte for byte, offset o of
  partition p holding seq o * P + p.  Prints a summary; exit 1 on any error.
"""
import os
import re
import struct
import sys
import zlib

H2 = b"kafscale-e2e"

# ---- CRC32C (Castagnoli), table-driven, pure Python -----------------------

_T = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _T.append(_c)
del _i, _c


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    t = _T
    for x in data:
        c = t[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283

# ---- the test messages ----------------------------------------------------


def key(seq, partitions):
    return ("k-%d-%d" % (seq % partitions, seq)).encode()


def headers(seq):
    return [("h1", str(seq).encode()), ("h2", H2)]


def value(seq, size):
    """The same bytes as rdkafka_check's make_value()."""
    body = bytearray(("%012d:" % seq).encode())
    for i in range(8 + len(body), size):
        body.append(ord("a") + (seq * 7 + i) % 26)
    return ("%08x" % (zlib.crc32(bytes(body)) & 0xFFFFFFFF)).encode() + bytes(body)


def check_message(seq, partition, partitions, size, k, hdrs, v):
    """None if the message is the one for seq, else the reason."""
    if partition is not None and partition != seq % partitions:
        return "seq %d in partition %d, want %d" % (seq, partition, seq % partitions)
    if k != key(seq, partitions):
        return "seq %d: key %r, want %r" % (seq, k, key(seq, partitions))
    hl = [(n if isinstance(n, str) else n.decode(), bytes(x) if x is not None else None) for n, x in hdrs]
    if hl != headers(seq):
        return "seq %d: headers %r, want %r" % (seq, hl, headers(seq))
    want = value(seq, size)
    if v != want:
        if v is None or len(v) != len(want):
            return "seq %d: value of %s bytes, want %d" % (seq, None if v is None else len(v), len(want))
        i = next(i for i in range(len(v)) if v[i] != want[i])
        return "seq %d: value differs at byte %d" % (seq, i)
    return None

# ---- record batches v2 ----------------------------------------------------


def _varint(b, o):
    shift = r = 0
    while True:
        if o >= len(b):
            raise ValueError("varint runs past the end")
        c = b[o]
        o += 1
        r |= (c & 0x7F) << shift
        if not c & 0x80:
            return (r >> 1) ^ -(r & 1), o
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def parse_batch_header(b, o):
    """dict of a v2 batch header at b[o:]; raises ValueError."""
    if len(b) - o < 61:
        raise ValueError("batch header truncated (%d bytes left)" % (len(b) - o))
    (base, blen, ple, magic, crc, attrs, lod, bts, mts, pid, pep, bseq, cnt) = \
        struct.unpack_from(">qiibIhiqqqhii", b, o)
    if magic != 2:
        raise ValueError("batch magic %d, want 2" % magic)
    end = o + 12 + blen
    if blen < 49 or end > len(b):
        raise ValueError("batch length %d runs past the body (%d bytes left)" % (blen, len(b) - o))
    return {"base": base, "length": 12 + blen, "crc": crc, "attrs": attrs, "last_delta": lod,
            "count": cnt, "pos": o, "end": end,
            "crc_ok": crc32c(memoryview(b)[o + 21:end]) == crc}


def batch_records(b, h):
    """[(offset, key, [(hk, hv)], value)] of the batch h (from parse_batch_header)."""
    data = bytes(b[h["pos"] + 61:h["end"]])
    codec = h["attrs"] & 7
    if codec == 1:
        data = zlib.decompress(data, 31)
    elif codec != 0:
        raise ValueError("codec %d: this parser reads only none and gzip" % codec)
    out = []
    o = 0
    for _ in range(h["count"]):
        ln, o = _varint(data, o)
        end = o + ln
        o += 1  # attributes
        _, o = _varint(data, o)   # timestamp delta
        od, o = _varint(data, o)
        kl, o = _varint(data, o)
        k = None if kl < 0 else data[o:o + kl]
        o += max(kl, 0)
        vl, o = _varint(data, o)
        v = None if vl < 0 else data[o:o + vl]
        o += max(vl, 0)
        nh, o = _varint(data, o)
        hs = []
        for _ in range(nh):
            hkl, o = _varint(data, o)
            hk = data[o:o + hkl].decode()
            o += hkl
            hvl, o = _varint(data, o)
            hv = None if hvl < 0 else data[o:o + hvl]
            o += max(hvl, 0)
            hs.append((hk, hv))
        if o != end:
            raise ValueError("record length %d does not match its fields" % ln)
        out.append((h["base"] + od, k, hs, v))
    if o != len(data):
        raise ValueError("%d bytes after the last record" % (len(data) - o))
    return out

# ---- segment and index objects --------------------------------------------


def parse_segment(b):
    """dict of a .kfs object; raises ValueError on a malformed one."""
    if len(b) < 48:
        raise ValueError("%d bytes, shorter than header + footer" % len(b))
    magic, ver, flags, base, count, created, reserved = struct.unpack_from(">4sHHqiqi", b, 0)
    if magic != b"KAFS":
        raise ValueError("header magic %r, want b'KAFS'" % magic)
    if ver != 1:
        raise ValueError("version %d, want 1" % ver)
    fcrc, last, fmagic = struct.unpack_from(">Iq4s", b, len(b) - 16)
    if fmagic != b"END!":
        raise ValueError("footer magic %r, want b'END!'" % fmagic)
    body = memoryview(b)[32:len(b) - 16]
    if crc32c(body) != fcrc:
        raise ValueError("footer CRC32C %08x does not match the body (%08x)" % (fcrc, crc32c(body)))
    batches = []
    o = 32
    while o < len(b) - 16:
        h = parse_batch_header(memoryview(b)[:len(b) - 16], o)
        if not h["crc_ok"]:
            raise ValueError("batch at position %d (offset %d): CRC32C mismatch" % (o, h["base"]))
        batches.append(h)
        o = h["end"]
    if not batches:
        raise ValueError("no record batches")
    for prev, h in zip(batches, batches[1:]):
        if h["base"] != prev["base"] + prev["last_delta"] + 1:
            raise ValueError("batch at offset %d follows batch %d..%d (not contiguous)"
                             % (h["base"], prev["base"], prev["base"] + prev["last_delta"]))
    if batches[0]["base"] != base:
        raise ValueError("header base offset %d, first batch at %d" % (base, batches[0]["base"]))
    real_last = batches[-1]["base"] + batches[-1]["last_delta"]
    if last != real_last:
        raise ValueError("footer last offset %d, last batch ends at %d" % (last, real_last))
    n = sum(h["count"] for h in batches)
    if count != n:
        raise ValueError("header message count %d, batches hold %d" % (count, n))
    return {"base": base, "last": last, "count": count, "flags": flags, "created": created,
            "reserved": reserved, "batches": batches}


def parse_index(b):
    if len(b) < 16:
        raise ValueError("%d bytes, shorter than the header" % len(b))
    magic, ver, n, interval, _ = struct.unpack_from(">4sHiiH", b, 0)
    if magic != b"IDX\0":
        raise ValueError("magic %r, want b'IDX\\x00'" % magic)
    if ver != 1:
        raise ValueError("version %d, want 1" % ver)
    if n < 0 or len(b) != 16 + 12 * n:
        raise ValueError("entry count %d does not match the size %d" % (n, len(b)))
    return {"interval": interval,
            "entries": [struct.unpack_from(">qi", b, 16 + 12 * i) for i in range(n)]}

# ---- a whole partition layout ---------------------------------------------


def read_file_root(root):
    """{key: bytes} of the file backend (<data.dir>/objects)."""
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            if f.startswith(".ks-tmp"):
                continue
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = fh.read()
    return out


def read_s3rver_root(root):
    """{key: bytes} of an s3rver bucket directory (<dir>/<bucket>)."""
    out = {}
    suffix = "._S3rver_object"
    for d, _, files in os.walk(root):
        for f in files:
            if f.endswith(suffix):
                p = os.path.join(d, f)
                k = os.path.relpath(p, root)[:-len(suffix)]
                with open(p, "rb") as fh:
                    out[k] = fh.read()
    return out


KEY_RX = re.compile(r"^(?P<ns>[^/]+)/(?P<topic>[^/]+)/(?P<p>0|[1-9][0-9]*)/segment-(?P<base>[0-9]{20})\.(?P<ext>kfs|index)$")


def check_segments(objects, ns, topic, partitions, count, size=None, out=sys.stdout):
    """Checks the objects of one topic; returns a list of errors (empty = good)."""
    errors = []

    def err(msg):
        if len(errors) < 30:
            out.write("checklib: ERROR: %s\n" % msg)
        errors.append(msg)

    prefix = "%s/%s/" % (ns, topic)
    mine = {k: v for k, v in objects.items() if k.startswith(prefix)}
    if not mine:
        err("no objects under %s (keys seen: %s)" % (prefix, sorted(objects)[:10]))
        return errors
    segs = {}   # partition -> [(base, key)]
    for k in sorted(mine):
        m = KEY_RX.match(k)
        if not m or m.group("ns") != ns or m.group("topic") != topic:
            err("key %r does not follow %s<partition>/segment-<20 digits>.kfs|.index" % (k, prefix))
            continue
        p = int(m.group("p"))
        if p >= partitions:
            err("key %r: partition %d of a %d-partition topic" % (k, p, partitions))
            continue
        other = k[:-len(m.group("ext"))] + ("index" if m.group("ext") == "kfs" else "kfs")
        if other not in mine:
            err("%s has no matching %s" % (k, other))
        if m.group("ext") == "kfs":
            segs.setdefault(p, []).append((int(m.group("base")), k))
    n_seg = n_batch = n_rec = n_bytes = 0
    for p in range(partitions):
        want_n = len(range(p, count, partitions))
        nxt = 0
        for base, k in sorted(segs.get(p, [])):
            b = mine[k]
            n_seg += 1
            n_bytes += len(b)
            try:
                s = parse_segment(b)
            except ValueError as e:
                err("%s: %s" % (k, e))
                continue
            if s["base"] != base:
                err("%s: header base offset %d does not match its name" % (k, s["base"]))
            if base != nxt:
                err("partition %d: segment %s starts at %d, want %d (%s)"
                    % (p, k, base, nxt, "gap" if base > nxt else "overlap"))
            nxt = s["last"] + 1
            n_batch += len(s["batches"])
            starts = {h["pos"]: h["base"] for h in s["batches"]}
            try:
                idx = parse_index(mine[k[:-3] + "index"])
                ents = idx["entries"]
                if not ents:
                    err("%s: empty index" % k)
                elif ents[0] != (s["base"], 32):
                    err("%s: first index entry %r, want (%d, 32)" % (k, ents[0], s["base"]))
                for off, pos in ents:
                    if starts.get(pos) != off:
                        err("%s: index entry (%d, %d) does not point at the start of batch %d"
                            % (k, off, pos, off))
                        break
                if [e[0] for e in ents] != sorted(set(e[0] for e in ents)):
                    err("%s: index entries not strictly increasing" % k)
            except (KeyError, ValueError) as e:
                err("%s: index: %s" % (k, e))
            if size is not None:
                for h in s["batches"]:
                    try:
                        recs = batch_records(b[:len(b) - 16], h)
                    except ValueError as e:
                        err("%s: batch %d: %s" % (k, h["base"], e))
                        continue
                    for off, rk, rh, rv in recs:
                        n_rec += 1
                        seq = off * partitions + p
                        why = check_message(seq, p, partitions, size, rk, rh, rv)
                        if why:
                            err("%s: offset %d: %s" % (k, off, why))
        if nxt != want_n:
            err("partition %d: segments cover offsets 0..%d, want 0..%d" % (p, nxt - 1, want_n - 1))
    out.write("checklib: %s: %d segments (%d bytes), %d batches, %d records checked byte for byte, "
              "%d errors\n" % (prefix, n_seg, n_bytes, n_batch, n_rec, len(errors)))
    return errors


def main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["segments"])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--file-root")
    g.add_argument("--s3rver-root")
    ap.add_argument("--namespace", default="default")
    ap.add_argument("--topic", required=True)
    ap.add_argument("--partitions", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--size", type=int)
    a = ap.parse_args(argv)
    objs = read_file_root(a.file_root) if a.file_root else read_s3rver_root(a.s3rver_root)
    errors = check_segments(objs, a.namespace, a.topic, a.partitions, a.count, a.size)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
