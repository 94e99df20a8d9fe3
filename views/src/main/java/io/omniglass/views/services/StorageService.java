package io.omniglass.views.services;

/** A tenant's storage: sizes per table in each tier, and the retention policies that govern them. */
public interface StorageService {

    StorageOverview storage(String tenant);
}
