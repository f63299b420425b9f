package dev.pharos.model;

/** A definition that cannot be used; {@link #field()} names the JSON field at fault. */
public class InvalidDefinitionException extends Exception {

  private final String field;

  public InvalidDefinitionException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
