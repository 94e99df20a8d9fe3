package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;

/** A device's data-lane credential as listed: never its seed, which is shown once at creation. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeviceInfo(long id, String tenant, String name, String publicKey, OffsetDateTime createdAt,
                         String createdBy, OffsetDateTime revokedAt, String revokedBy) {
}
