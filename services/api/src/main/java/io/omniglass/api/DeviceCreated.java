package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The one time a device credential's NKey seed is shown. The device connects with it (NKey
 * authentication), publishes on {@code og.<tenant>.dp.<kind>}, and takes its replies (PubAcks)
 * on {@code inboxPrefix}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeviceCreated(DeviceInfo device, String seed, String inboxPrefix) {
}
