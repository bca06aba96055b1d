package dev.mongorow.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Worker hardening, config provider bounds and PII protection on the shared (plain) stack with the shipped
 * connector configs; {@link SecureModeIT} runs the same checks on a secure stack. The MySQL sink user's
 * least privilege (it cannot DROP a table, nor CREATE, TRUNCATE, FILE, SET GLOBAL) is tested by
 * local-stack's {@code LocalStackTest.theApplicationUserHasLeastPrivilegeAndSecretsStayPrivate}, and again
 * over TLS in {@link SecureModeIT}.
 */
@ExtendWith(PipelineExtension.class)
class SecurityIT {

    @Test
    void aConnectorConfigWithAJndiOrLdapLoginModuleOverrideIsRejected(Pipeline pipeline) {
        SecurityChecks.jaasLoginModuleOverridesAreRejected(pipeline);
        SecurityChecks.workerJvmDisallowsJndiAndLdapLoginModules(pipeline);
    }

    @Test
    void configProvidersReachNothingOutsideTheSecretsFolderAndTheMongorowVariables(Pipeline pipeline) {
        SecurityChecks.configProvidersStayInsideTheirBounds(pipeline);
    }

    @Test
    void eMailAddressesReachMysqlOnlyAsKeyedHashes(Pipeline pipeline) throws Exception {
        SecurityChecks.emailReachesMysqlOnlyAsKeyedHash(pipeline);
    }
}
