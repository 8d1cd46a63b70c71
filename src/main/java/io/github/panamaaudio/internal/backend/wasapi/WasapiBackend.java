package io.github.panamaaudio.internal.backend.wasapi;

import io.github.panamaaudio.internal.Backend;

import java.util.List;

/**
 * The Windows backend (the shim's {@code wasapi.c}): WASAPI shared-mode capture of
 * capture endpoints and loopback of render endpoints, process loopback for one
 * application (Windows 10 build 20348+), device events from
 * {@code IMMNotificationClient}. Built into {@code panamaaudio.dll}; on other systems
 * the shim has no such row and opening it is {@code BACKEND_UNAVAILABLE}.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class WasapiBackend implements Backend {

    @Override
    public String name() {
        return "wasapi";
    }

    @Override
    public List<String> options() {
        return List.of();
    }
}
