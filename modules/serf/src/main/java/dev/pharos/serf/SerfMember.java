package dev.pharos.serf;

import java.util.Map;

/** A member of the serf cluster as the agent's {@code members} command lists it. */
public record SerfMember(String name, String addr, int port, Map<String, String> tags, String status) {
}
