package io.omniglass.views.services;

/** The console's link to the core, always visible in the status bar. */
public enum ConnectionState {
    DISCONNECTED, CONNECTING, CONNECTED, RECONNECTING
}
