package dev.pharos.checks;

import dev.pharos.checks.impl.DockerHealthCheck;
import dev.pharos.checks.impl.HttpCheck;
import dev.pharos.checks.impl.MySqlCheck;
import dev.pharos.checks.impl.NoopCheck;
import dev.pharos.checks.impl.PostgresCheck;
import dev.pharos.checks.impl.RabbitMqCheck;
import dev.pharos.checks.impl.RedisCheck;
import dev.pharos.checks.impl.TcpCheck;
import dev.pharos.model.Check;
import dev.pharos.model.CheckValidator;
import dev.pharos.model.InvalidDefinitionException;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The check types a definition may name, by name: Nerve's {@code CHECKS} map ({@code http},
 * {@code tcp}, {@code redis}, {@code mysql}, {@code postgresql}, {@code rabbitmq}, {@code noop})
 * and Docker's own health ({@code docker}).
 */
public final class CheckTypes implements CheckValidator {

  private static final CheckTypes STANDARD = new CheckTypes(List.of(new HttpCheck(), new TcpCheck(), new RedisCheck(),
    new MySqlCheck(), new PostgresCheck(), new RabbitMqCheck(), new NoopCheck(), new DockerHealthCheck()));

  private final Map<String, CheckType> types = new LinkedHashMap<>();

  public CheckTypes(List<CheckType> types) {
    types.forEach(t -> this.types.put(t.name(), t));
  }

  public static CheckTypes standard() {
    return STANDARD;
  }

  @Override
  public void validate(String type, JsonObject check, String field) throws InvalidDefinitionException {
    prepare(type, check, field);
  }

  /** The probe of a check read from a definition (valid, so this fails only on a type unknown here). */
  public Probe prepare(Check check) throws InvalidDefinitionException {
    return prepare(check.type(), check.options(), "check");
  }

  private Probe prepare(String type, JsonObject check, String field) throws InvalidDefinitionException {
    CheckType checkType = types.get(type);
    if (checkType == null) {
      throw new InvalidDefinitionException(field + ".type", "unknown check type '" + type + "' (one of "
        + String.join(", ", types.keySet()) + ")");
    }
    return checkType.prepare(check, field);
  }
}
