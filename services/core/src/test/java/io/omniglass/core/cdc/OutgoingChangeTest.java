package io.omniglass.core.cdc;

import io.omniglass.core.tenancy.TenantStreams;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The publisher skips jnats' per-publish subject check, so its own once-per-table check must refuse what jnats would. */
class OutgoingChangeTest {

    @Test
    void aTableWhoseNameMakesNoValidSubjectIsRefusedAsJnatsWouldRefuseIt() {
        String valid = TenantStreams.cdcSubject("acme", "audit_log");
        assertThat(OutgoingChange.checked(valid)).isEqualTo(valid);
        for (String table : new String[] {"audit log", "audit\tlog", "audit\r\nlog"}) {
            String subject = TenantStreams.cdcSubject("acme", table);
            assertThatThrownBy(() -> io.nats.client.support.Validator.validateSubject(subject, true))
                    .as("jnats refuses %s", subject).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> OutgoingChange.checked(subject)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> OutgoingChange.checkedReplyPrefix("_INBOX.a b.")).isInstanceOf(IllegalArgumentException.class);
        assertThat(OutgoingChange.checkedReplyPrefix("_INBOX.abc.")).isEqualTo("_INBOX.abc.");
    }
}
