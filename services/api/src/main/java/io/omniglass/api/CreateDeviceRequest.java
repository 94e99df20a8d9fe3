package io.omniglass.api;

/** POST /api/v1/tenants/{t}/devices (admin of the whole tenant): {"name": "plc-3"}. */
public record CreateDeviceRequest(String name) {
}
