/** The WASAPI backend's Java side: its name and options; the work is in the shim's wasapi.c. */
package io.github.panamaaudio.internal.backend.wasapi;
