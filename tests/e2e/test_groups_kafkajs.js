// kafkajs 2.2.4 consumer group (JoinGroup v5, SyncGroup v3, OffsetCommit v5,
// OffsetFetch v4): consumes everything, commits; admin fetchOffsets,
// describeGroups, listGroups.  Run by test_groups_kafkajs.sh:
//   node test_groups_kafkajs.js BROKER TOPIC PARTITIONS PER_PARTITION
'use strict';
const path = require('path');
const { Kafka, logLevel } = require(path.join(__dirname, 'node_modules', 'kafkajs'));

const [broker, topic, nparts, per] = [process.argv[2], process.argv[3], +process.argv[4], +process.argv[5]];
const group = 'g-kafkajs';
let fails = 0;
function check(cond, what) {
  if (cond) console.log('ok: ' + what);
  else { console.log('FAIL: ' + what); fails++; }
}

async function main() {
  const kafka = new Kafka({ clientId: 'kjs', brokers: [broker], logLevel: logLevel.WARN, retry: { retries: 8 } });
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 10000, heartbeatInterval: 500 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  let resolve;
  const done = new Promise((r) => { resolve = r; });
  await consumer.run({
    autoCommitInterval: 200,
    eachMessage: async ({ partition, message }) => {
      seen.add(partition + ':' + message.offset);
      if (seen.size >= nparts * per) resolve();
    },
  });
  const timer = setTimeout(resolve, 25000);
  await done;
  clearTimeout(timer);
  check(seen.size === nparts * per, `kafkajs group consumer read ${seen.size} of ${nparts * per} messages`);
  const admin = kafka.admin();
  await admin.connect();
  const desc = await admin.describeGroups([group]);
  const g = desc.groups[0];
  check(g.state === 'Stable' && g.protocolType === 'consumer' && g.members.length === 1 &&
        g.members[0].clientId === 'kjs', `describeGroups while running: ${g.state}, ${g.members.length} member(s)`);
  await consumer.disconnect();            // commits what was consumed, leaves
  const offs = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  const got = offs[0].partitions.map((p) => `${p.partition}:${p.offset}`).sort();
  const want = [...Array(nparts).keys()].map((p) => `${p}:${per}`).sort();
  check(JSON.stringify(got) === JSON.stringify(want), `fetchOffsets after the consumer left: ${got}`);
  const list = await admin.listGroups();
  check(list.groups.some((x) => x.groupId === group && x.protocolType === 'consumer'),
        `listGroups: ${JSON.stringify(list.groups)}`);
  const desc2 = await admin.describeGroups([group]);
  check(desc2.groups[0].state === 'Empty', `after disconnect the group is ${desc2.groups[0].state}`);
  await admin.disconnect();
}

main().then(() => process.exit(fails ? 1 : 0), (e) => { console.log('FAIL: ' + e.stack); process.exit(1); });
