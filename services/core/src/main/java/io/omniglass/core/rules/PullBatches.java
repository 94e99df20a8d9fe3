package io.omniglass.core.rules;

import io.nats.client.ConsumeOptions;
import io.nats.client.Connection;
import io.nats.client.IterableConsumer;
import io.nats.client.Message;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches from a durable consumer without waiting for a full batch: {@code fetch(n, wait)} holds
 * a lone datapoint until the batch fills or the wait ends, which would put the whole wait into
 * every alarm's latency. An iterable consumer keeps pull requests topped up; the first message is
 * waited for and the batch is whatever arrived with it.
 */
final class PullBatches implements AutoCloseable {

    private static final long STRAGGLERS_MS = 2;

    private final IterableConsumer consumer;
    private final int max;

    PullBatches(Connection nats, String stream, String durable, int max) throws Exception {
        this.consumer = nats.getConsumerContext(stream, durable)
                .iterate(ConsumeOptions.builder().batchSize(max).build());
        this.max = max;
    }

    List<Message> next(Duration wait) throws Exception {
        List<Message> batch = new ArrayList<>();
        Message m = consumer.nextMessage(wait);
        while (m != null) {
            batch.add(m);
            if (batch.size() >= max) {
                break;
            }
            m = consumer.nextMessage(STRAGGLERS_MS);
        }
        return batch;
    }

    @Override
    public void close() {
        try {
            consumer.stop();
            consumer.close();
        } catch (Exception ignored) {
            // the connection is closing
        }
    }
}
