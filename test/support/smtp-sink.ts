import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message the server accepted, parsed, with how it arrived. */
export interface ReceivedMail {
  parsed: ParsedMail;
  /** The envelope's recipients (RCPT TO). */
  recipients: string[];
  /** Whether the connection was TLS (STARTTLS) when the message was sent. */
  secure: boolean;
  user: string | undefined;
}

export interface SmtpSink {
  port: number;
  messages: ReceivedMail[];
  stop(): Promise<void>;
}

/**
 * A real SMTP server (the `smtp-server` package) on a free local port: STARTTLS with the package's
 * self-signed certificate, AUTH PLAIN/LOGIN checked against `user`/`password` (and refused before
 * TLS), every accepted message kept and parsed with `mailparser`.
 */
export async function startSmtpSink({
  user,
  password,
}: {
  user: string;
  password: string;
}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const server = new SMTPServer({
    authMethods: ['PLAIN', 'LOGIN'],
    // The default: authentication only once the connection is TLS.
    allowInsecureAuth: false,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === password) callback(null, { user });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          messages.push({
            parsed,
            recipients: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          callback();
        })
        .catch((error: unknown) => {
          callback(error instanceof Error ? error : new Error(String(error)));
        });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    messages,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(resolve);
      }),
  };
}
