package dev.pharos.checks;

import dev.pharos.model.Instance;

/**
 * What one check runs against: the address (the check's own {@code host}/{@code port}, else the
 * instance's, as in Nerve) and the instance it decides about.
 */
public record CheckTarget(String host, int port, Instance instance) {
}
