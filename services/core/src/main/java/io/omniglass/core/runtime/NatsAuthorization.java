package io.omniglass.core.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The nats-server {@code authorization} block: the core's own user (every subject), and one
 * NKey user per device credential, allowed to publish only on its tenant's data lane and to
 * receive only its tenant's commands and the replies to its own requests (a JetStream publish
 * waits for its PubAck on the device's inbox). A device holds its NKey seed; the server and the
 * control database hold the public key only, so nothing here opens a lane if it leaks.
 */
public final class NatsAuthorization {

    public static final String CORE_USER = "og-core";
    private static final Pattern SLUG = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    private static final Pattern NKEY_USER = Pattern.compile("U[A-Z2-7]{55}");
    private static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{16,128}");

    /** One device credential: its tenant and the public half of its NKey. */
    public record DeviceGrant(String tenant, String publicKey) {
        public DeviceGrant {
            if (!SLUG.matcher(tenant).matches() || !NKEY_USER.matcher(publicKey).matches()) {
                throw new IllegalArgumentException("not a device grant: " + tenant + " / " + publicKey);
            }
        }
    }

    private NatsAuthorization() {
    }

    /** The inbox a device's requests (and PubAcks) come back on; the only other subject it may read. */
    public static String inboxPrefix(String publicKey) {
        return "_INBOX_" + publicKey;
    }

    /** The configuration text (nats-server's format) for the core's password and these devices. */
    public static String render(String corePassword, List<DeviceGrant> devices) {
        if (!SECRET.matcher(corePassword).matches()) {
            throw new IllegalArgumentException("the core's NATS password must be base64url");
        }
        List<String> users = new ArrayList<>();
        users.add("    { user: \"" + CORE_USER + "\", password: \"" + corePassword + "\" }");
        for (DeviceGrant d : devices) {
            users.add("    { nkey: \"" + d.publicKey() + "\", permissions: {"
                    + " publish: { allow: [\"og." + d.tenant() + ".dp.>\"] },"
                    + " subscribe: { allow: [\"og." + d.tenant() + ".cmd\", \"" + inboxPrefix(d.publicKey()) + ".>\"] } } }");
        }
        return "# written by Omniglass (devices from the control database); do not edit\n"
                + "authorization {\n  users: [\n" + String.join(",\n", users) + "\n  ]\n}\n";
    }
}
