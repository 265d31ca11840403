// kafkajs with idempotent: true: sends N messages in batches while the
// shell kills a worker (the connection drops, kafkajs retries the batch);
// then reads the topic back and checks every value exactly once.
// usage: node test_kafkajs_idem.js BROKER TOPIC N MARKER_FILE
'use strict';
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

const [broker, topic, nStr, marker] = process.argv.slice(2);
const N = parseInt(nStr, 10);
const kafka = new Kafka({ clientId: 'kjs-idem', brokers: [broker], logLevel: logLevel.NOTHING,
                          retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 2000 } });

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const BATCH = 500;
  for (let i = 0; i < N; i += BATCH) {
    const messages = [];
    for (let j = i; j < Math.min(N, i + BATCH); j++)
      messages.push({ key: `k${j}`, value: `v${j}`, partition: j % 2 });
    await producer.send({ topic, acks: -1, messages });
    if (i === N / 2)
      fs.writeFileSync(marker, 'half');    // the shell kills a worker now
    if (i >= N / 2 && i < N / 2 + 10 * BATCH)
      await new Promise(r => setTimeout(r, 50));
  }
  await producer.disconnect();
  console.log(`produced ${N} with idempotent: true`);

  const seen = new Map();
  const consumer = kafka.consumer({ groupId: 'kjs-idem-check' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size} distinct of ${N} read`)), 40000);
    consumer.run({
      eachMessage: async ({ message }) => {
        const v = message.value.toString();
        seen.set(v, (seen.get(v) || 0) + 1);
        let total = 0;
        for (const c of seen.values()) total += c;
        if (seen.size === N && total >= N) { clearTimeout(timer); resolve(); }
      },
    });
  });
  await consumer.disconnect();
  let dups = 0;
  for (const c of seen.values()) if (c > 1) dups += c - 1;
  const missing = [];
  for (let j = 0; j < N; j++) if (!seen.has(`v${j}`)) missing.push(j);
  console.log(`read ${seen.size} distinct values, ${dups} duplicates, ${missing.length} missing`);
  if (dups !== 0 || missing.length !== 0) process.exit(1);
}

main().catch(e => { console.error('FAIL:', e.message); process.exit(1); });
