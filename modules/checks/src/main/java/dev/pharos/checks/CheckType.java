package dev.pharos.checks;

import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.json.JsonObject;

/**
 * One kind of Nerve service check ({@code http}, {@code redis}...): reads its options once, when
 * the definition is read, and gives back the probe that runs it. A new type is one class
 * registered in {@link CheckTypes}.
 */
public interface CheckType {

  /** The check's {@code type} in a definition, as Nerve names it. */
  String name();

  /**
   * @param check the check's JSON object as the user wrote it (the common fields, {@code type},
   *              {@code host}, {@code port}, {@code timeout}, {@code rise}, {@code fall}, are read
   *              already)
   * @param field where the check is in the definition ({@code nerve.checks[0]}), for messages
   * @throws InvalidDefinitionException naming the option at fault, e.g. {@code nerve.checks[0].user}
   */
  Probe prepare(JsonObject check, String field) throws InvalidDefinitionException;
}
