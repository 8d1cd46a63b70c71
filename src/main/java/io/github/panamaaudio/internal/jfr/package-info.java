/**
 * JDK Flight Recorder events of the library, category "Audio Capture": what an
 * operator looks for after the fact (streams opened and closed, overruns, route
 * changes, leaks, lost connections). None is emitted per packet; each is created
 * only where it happens, and a disabled event costs a branch.
 */
package io.github.panamaaudio.internal.jfr;
