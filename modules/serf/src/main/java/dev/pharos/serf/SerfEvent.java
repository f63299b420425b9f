package dev.pharos.serf;

import java.util.List;

/**
 * One record of the agent's {@code stream} command.
 *
 * @param type    {@code user}, {@code query}, or a member event ({@code member-join},
 *                {@code member-leave}, {@code member-failed}, {@code member-update}, {@code member-reap})
 * @param name    the user event's or query's name
 * @param payload the user event's or query's payload
 * @param queryId the query's id, to {@link SerfRpcClient#respond} with (0 for other types)
 * @param members the members a member event is about
 */
public record SerfEvent(String type, String name, byte[] payload, long ltime, long queryId, List<SerfMember> members) {

  public boolean isMemberEvent() {
    return type.startsWith("member-");
  }
}
