package dev.pharos.model;

import io.vertx.core.json.JsonObject;

/**
 * Reads the options of one check type: the parser knows the fields every check has, the check
 * types know their own (see {@code dev.pharos.checks.CheckTypes}, the one implementation).
 */
@FunctionalInterface
public interface CheckValidator {

  /**
   * @param check the check's JSON object as written
   * @param field where it is in the definition, for the message ({@code nerve.checks[0]})
   * @throws InvalidDefinitionException naming the field, when the type is unknown or an option is bad
   */
  void validate(String type, JsonObject check, String field) throws InvalidDefinitionException;
}
