package io.omniglass.views.services;

/** A configuration variable of an entity; a secret one has no value here (it is decrypted only on demand, audited). */
public record PlantVariable(String name, String type, String value, boolean secret) {
}
