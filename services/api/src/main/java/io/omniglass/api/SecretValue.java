package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A decrypted secret variable: the answer of an audited decrypt. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SecretValue(long id, String name, String owner, String secret) {
}
