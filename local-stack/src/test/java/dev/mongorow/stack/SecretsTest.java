package dev.mongorow.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {
    @Test
    void anExternalMysqlUrlIsSplitSoTheConnectorConfigsCanAppendTheirParameters(@TempDir Path dir) throws Exception {
        Secrets.writeExternalMysql(dir, "jdbc:mysql://db:3306/pipeline?user=u&password=s3cret&useSSL=true", "u", "s3cret");
        for (Secrets.Credentials c : new Secrets.Credentials[] {Secrets.mysqlAdmin(dir), Secrets.mysqlApp(dir)}) {
            assertEquals("jdbc:mysql://db:3306/pipeline", c.url(), "no '?' and no credentials: the configs append '?...'");
            assertEquals("useSSL=true", c.params(), "the other parameters, appended after the configs' own");
            assertEquals("u", c.user());
            assertEquals("s3cret", c.password());
            assertEquals("jdbc:mysql://db:3306/pipeline?useSSL=true", c.jdbcUrl());
        }
        Secrets.writeExternalMysql(dir, "jdbc:mysql://db:3306/pipeline?useSSL=true", null, null);
        assertEquals("s3cret", Secrets.mysqlApp(dir).password(), "the same server given again without credentials keeps them");
        Secrets.writeExternalMysql(dir, "jdbc:mariadb://other/pipeline?user=v&password=w", "v", "w");
        assertEquals(null, Secrets.mysqlApp(dir).params());
        assertFalse(Files.readString(dir.resolve(Secrets.MYSQL_APP)).contains("password=w&"), "the password is no URL parameter");
    }
}
