package dev.mongorow.connect.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ReferencePolicyTest {
    /** The local stack's worker settings (ConnectWorker.workerConfig), as Connect hands them to the extension. */
    private static final ReferencePolicy POLICY = ReferencePolicy.fromWorkerConfig(Map.of(
            "config.providers", "env,file,dir",
            "config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            "config.providers.env.param.allowlist.pattern", "^MONGOROW_.*",
            "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider",
            "config.providers.file.param.allowed.paths", "/srv/secrets/mysql-app.properties,/srv/secrets/pii.properties",
            "config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            "config.providers.dir.param.allowed.paths", "/srv/secrets/mysql-app.properties"));

    @Test
    void whatTheProvidersWouldResolvePasses() {
        assertEquals(List.of(), POLICY.violations(Map.of(
                "connection.url", "${env:MONGOROW_MYSQL_JDBC_URL}?rewriteBatchedStatements=true${env:MONGOROW_MYSQL_JDBC_PARAMS}",
                "connection.password", "${file:/srv/secrets/mysql-app.properties:password}",
                "transforms.pii.hmac.secret", "${file:/srv/secrets/pii.properties:hmac.secret}",
                "topics", "raw.users")));
    }

    @Test
    void referencesOutsideTheBoundsAreNamedWithTheirKey() {
        List<String> problems = POLICY.violations(Map.of("name", "${file:/etc/passwd:root}"));
        assertEquals(List.of("'name': ${file:/etc/passwd:root} reads /etc/passwd, outside the allowed.paths of provider 'file'"),
                problems);
        assertTrue(POLICY.violations(Map.of("a", "${file:/srv/secrets/mysql-app.properties/../mysql-admin.properties:password}"))
                .get(0).contains("reads /srv/secrets/mysql-admin.properties, outside"), "normalized before the check");
        assertTrue(POLICY.violations(Map.of("a", "${dir:/srv/secrets:mysql-admin.properties}")).get(0)
                .contains("outside the allowed.paths of provider 'dir'"), "a whole folder is not one of the allowed files");
        assertEquals(List.of("'a': ${env:PATH} reads variable PATH, which provider 'env' does not allow (allowlist.pattern ^MONGOROW_.*)"),
                POLICY.violations(Map.of("a", "${env:PATH}")));
        assertEquals(List.of("'a': ${vault:secret/db:password} names no config provider of this worker (config.providers=env,file,dir)"),
                POLICY.violations(Map.of("a", "${vault:secret/db:password}")));
    }

    @Test
    void disallowedLoginModulesAreRefusedInAnyKey() {
        List<String> problems = POLICY.violations(Map.of("consumer.override.sasl.jaas.config",
                "com.sun.security.auth.module.JndiLoginModule required user.provider.url=\"ldap://x\";"));
        assertEquals(List.of("'consumer.override.sasl.jaas.config': uses the JAAS login module "
                + "com.sun.security.auth.module.JndiLoginModule, which this worker disallows"), problems);
        assertEquals(1, POLICY.violations(Map.of("x", "com.sun.security.auth.module.LdapLoginModule required;")).size());
    }

    @Test
    void providersAreFoundWithoutTheConfigProvidersKey() {
        // what Connect really hands a REST extension: config.providers itself is gone, its provider keys remain
        ReferencePolicy policy = ReferencePolicy.fromWorkerConfig(Map.of(
                "config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
                "config.providers.env.param.allowlist.pattern", "^MONGOROW_.*"));
        assertEquals(List.of(), policy.violations(Map.of("a", "${env:MONGOROW_X}")));
        assertEquals(1, policy.violations(Map.of("a", "${env:PATH}")).size());
        assertEquals(1, policy.violations(Map.of("a", "${file:/etc/passwd:root}")).size(), "file is no provider here");
    }

    @Test
    void aWorkerWithoutBoundsRefusesOnlyUnknownProvidersAndLoginModules() {
        ReferencePolicy open = ReferencePolicy.fromWorkerConfig(Map.of("config.providers", "file",
                "config.providers.file.class", "org.apache.kafka.common.config.provider.FileConfigProvider"));
        assertEquals(List.of(), open.violations(Map.of("a", "${file:/etc/passwd:root}")));
        assertEquals(1, open.violations(Map.of("a", "${env:HOME}")).size());
    }
}
