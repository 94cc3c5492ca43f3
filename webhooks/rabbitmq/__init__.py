"""The RabbitMQ queue backend: the broker carries message ids, the database keeps every state.

Queues, all named under a prefix (default `hub.webhooks`):

- `<prefix>.deliveries`, a durable quorum queue of ids that are due. A consumer hands them to
  `Worker.claim(among=ids)`, which leases only what is due, unleased, of an enabled endpoint and within
  its caps: a duplicate, an early or a finished id yields nothing, so the broker may deliver twice.
- `<prefix>.delay.<n>s`, classic durable queues with one fixed TTL each that dead-letter into the work
  queue. A retry waits in the largest one not longer than its remaining delay and is delayed again if it
  comes back early. One TTL per queue means nothing waits behind a longer-lived message (RabbitMQ
  expires only at the head of a queue).

A broker message is acknowledged only once what it carried is settled: recorded (and, for a retry,
published into a delay queue), parked for its endpoint's cap, delayed, or found done. A crash before
that leaves it unacknowledged, so it is delivered again and the claim deduplicates.

Nothing relies on the broker alone: the sweeper publishes again what the database says has been due for
a while and nobody holds, so a lost publish or a lost broker message delays a delivery by seconds and
never stalls it; the robust connection reconnects and declares the queues again after a broker restart.
"""

from webhooks.rabbitmq._backend import CommitPublisher, RabbitBackend
from webhooks.rabbitmq._consumer import RabbitConsumer
from webhooks.rabbitmq._queue import DELAYS, RabbitQueue, decode_ids
from webhooks.rabbitmq._queue import IDS_PER_MESSAGE as IDS_PER_MESSAGE
from webhooks.rabbitmq._queue import PUBLISH_FAILED as PUBLISH_FAILED
from webhooks.rabbitmq._queue import SWEPT as SWEPT
from webhooks.rabbitmq._queue import WORK_QUEUE_ARGUMENTS as WORK_QUEUE_ARGUMENTS
from webhooks.rabbitmq._sweeper import Sweeper

# The metrics and queue constants stay importable from here, outside __all__, as before the split.
__all__ = ["DELAYS", "CommitPublisher", "RabbitBackend", "RabbitConsumer", "RabbitQueue", "Sweeper",
           "decode_ids"]
