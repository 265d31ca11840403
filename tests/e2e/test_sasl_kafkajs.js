// kafkajs over SASL_PLAINTEXT (test_sasl_reauth.py): a producer sends one
// message every 100 ms for DURATION_MS, each acknowledged (acks=-1), then a
// consumer reads them all back.  kafkajs 2.2.4 re-authenticates (KIP-368)
// when its session is within reauthenticationThreshold of its end.
// usage: node test_sasl_kafkajs.js BROKER MECHANISM USER PASSWORD_FILE TOPIC DURATION_MS THRESHOLD_MS
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

const [broker, mechanism, username, pwFile, topic, durationMs, threshold] = process.argv.slice(2)
const password = fs.readFileSync(pwFile, 'utf8').trim()

async function main () {
  const kafka = new Kafka({
    clientId: 'ks-sasl-kafkajs',
    brokers: [broker],
    sasl: { mechanism: mechanism.toLowerCase(), username, password },
    reauthenticationThreshold: Number(threshold),
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 }
  })
  const producer = kafka.producer({ allowAutoTopicCreation: true })
  await producer.connect()
  const end = Date.now() + Number(durationMs)
  let sent = 0
  while (Date.now() < end) {
    await producer.send({ topic, acks: -1, messages: [{ value: 'm' + sent }] })
    sent++
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: 'ks-sasl-kafkajs-' + Date.now() })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = new Set()
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('consumed ' + seen.size + ' of ' + sent)), 20000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.add(message.value.toString())
        if (seen.size >= sent) { clearTimeout(timer); resolve() }
      }
    })
  })
  await consumer.disconnect()
  console.log(JSON.stringify({ sent, consumed: seen.size }))
}

main().then(() => process.exit(0)).catch(e => { console.error('kafkajs failed: ' + e.message); process.exit(1) })
