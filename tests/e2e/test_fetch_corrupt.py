#!/usr/bin/python3
"""A corrupted segment is reported, never served: after a restart (data only
in the object store) one byte of a segment of partition 0 is flipped on disk
(data.dir/objects/...); a fetch of it answers KAFKA_STORAGE_ERROR (56) with
no records, the broker logs an error naming the object, partition 1 is
still served intact, and the broker keeps serving."""
import glob
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kslib  # noqa: E402
from test_fetch_raw import do_fetch, create_topic  # noqa: E402

from confluent_kafka import Producer  # noqa: E402

TOPIC = "fetch-corrupt"


def main(t):
    b = kslib.Broker(t, "b1")
    create_topic(b, TOPIC, 2)
    pr = Producer({"bootstrap.servers": b.addr, "linger.ms": 0, "acks": "all"})
    for i in range(20):
        pr.produce(TOPIC, value=(b"payload-%d-" % i) * 20, partition=i % 2)
    t.check(pr.flush(10) == 0, "20 messages produced")
    b.stop()
    b.start()

    segs = sorted(glob.glob(os.path.join(b.data_dir, "objects", "**", TOPIC, "0", "segment-*.kfs"),
                            recursive=True))
    if not segs:
        t.fail("no segment of %s/0 under %s/objects" % (TOPIC, b.data_dir))
    seg = segs[0]
    with open(seg, "r+b") as f:
        data = f.read()
        pos = 32 + 61 + 20                    # inside the first batch's records
        f.seek(pos)
        f.write(bytes([data[pos] ^ 0x5a]))
    kslib.log("flipped byte %d of %s" % (pos, seg))

    res = do_fetch(b.port, 4, [(TOPIC, 0, 0, 1 << 20)])
    err, hw, recs = res["parts"][(TOPIC, 0)]
    t.check(err == 56 and recs == b"", "fetch of the corrupt segment: error %d (want 56), %d bytes"
            % (err, len(recs)))
    line = b.wait_log(r"error .*corrupt segment object .*%s/0/segment-" % TOPIC, 3)
    t.check(line is not None, "error logged naming the object: %s" % line)
    res = do_fetch(b.port, 4, [(TOPIC, 1, 0, 1 << 20)])
    err, hw, recs = res["parts"][(TOPIC, 1)]
    t.check(err == 0 and hw == 10 and len(recs) > 0, "partition 1 still served (error %d, hw %d)"
            % (err, hw))
    t.check(kslib.broker_serving(b.port), "broker still serving")
    b.stop()


kslib.Test("fetch_corrupt").run(main)
