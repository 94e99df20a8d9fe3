package io.omniglass.core.cdc;

import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.nats.client.support.Validator;

/**
 * Publishes the feed's changes through {@link Connection#publish(io.nats.client.Message)}, which
 * takes a message's subject and reply as they are: the per-call {@code publish(subject, reply, ...)}
 * validates both on every change, splitting the subject into a new array of tokens each time
 * (about a tenth of the publishing thread's CPU in JFR, docs/peers.md). The subjects are checked
 * here instead, once each ({@link #checked}), the same check jnats makes, so a table whose name
 * makes no valid subject still fails the session rather than reaching the wire.
 *
 * <p>One instance, reused: jnats copies subject, reply, headers and body out of it during the call.
 */
final class OutgoingChange extends NatsMessage {

    OutgoingChange() {
        super((byte[]) null);
    }

    /** {@code subject} as jnats would check it on publish; throws {@link IllegalArgumentException} if invalid. */
    static String checked(String subject) {
        return Validator.validateSubject(subject, true);
    }

    /** {@code replyPrefix} followed by digits only, as the session's replies are. */
    static String checkedReplyPrefix(String replyPrefix) {
        Validator.validateReplyTo(replyPrefix + "0", true);
        return replyPrefix;
    }

    /** Publishes on the connection; subject and reply must have passed {@link #checked} / {@link #checkedReplyPrefix}. */
    void publish(Connection nats, String checkedSubject, String reply, Headers headers, byte[] body) {
        this.subject = checkedSubject;
        this.replyTo = reply;
        this.headers = headers;
        this.data = body;
        this.dataLen = body.length;
        try {
            nats.publish(this);
        } finally {
            this.subject = null;
            this.replyTo = null;
            this.headers = null;
            this.data = null;
        }
    }
}
