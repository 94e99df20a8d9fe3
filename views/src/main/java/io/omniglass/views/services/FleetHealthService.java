package io.omniglass.views.services;

/** The fleet health board: one call for every tenant the token can read, and the deployment. */
public interface FleetHealthService {

    FleetSnapshot fleetHealth();
}
