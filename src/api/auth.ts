// Who the caller is, and who may do what. Three kinds of caller:
// - admin: presents ADMIN_API_KEY (x-api-key header, or Authorization: Bearer <key>);
// - user: presents a signed token (Authorization: Bearer <JWT>) issued by the frontend's
//   backend; its `sub` claim is the user's external id. Tokens are verified with `jose`
//   (HS256 with USER_TOKEN_SECRET, or RS256/ES256/EdDSA with USER_TOKEN_PUBLIC_KEY);
// - anonymous: neither.
// The rules: catalogue writes (createItem), jobs and model management are admin-only; a
// user's own writes (rateItem, deleteRating, createUser) need that user's token or the admin
// key; anonymous callers may write only when ANONYMOUS_WRITES is on. Reads are public.
import crypto from "node:crypto";
import { errors as joseErrors, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWTVerifyOptions, type KeyObject } from "jose";
import type { SecurityConfig } from "../config";
import { AppError } from "../errors";
import { INPUT_LIMITS, hasControlCharacters } from "../services/validation";

export type Principal = { kind: "admin" } | { kind: "user"; userId: string } | { kind: "anonymous" };

/** Credentials as sent; checked once per request by `Authenticator.identify`. */
export interface Credentials {
  apiKey: string | undefined;
  bearer: string | undefined;
}

export function credentialsFromHeaders(get: (name: string) => string | undefined): Credentials {
  const authorization = get("authorization");
  const match = authorization ? /^Bearer\s+(\S{1,4096})\s*$/i.exec(authorization) : null;
  return { apiKey: get("x-api-key") || undefined, bearer: match ? match[1] : undefined };
}

/** The outcome of identification: a principal, or why the credentials were refused (raised on first use). */
export interface Identity {
  principal: Principal;
  /** Set when credentials were sent but are not valid: writes then fail with this error. */
  refused?: AppError;
}

const TOKEN_ALGORITHMS_SECRET = ["HS256"];
const TOKEN_ALGORITHMS_PUBLIC = ["RS256", "ES256", "EdDSA"];
/** Longest accepted user id in a token (the same bound as ids elsewhere). */
const MAX_SUBJECT_LENGTH = INPUT_LIMITS.idLength;

export class Authenticator {
  private verifyKey: Promise<CryptoKey | KeyObject | Uint8Array> | undefined;
  private readonly algorithms: string[];

  constructor(private readonly config: Pick<SecurityConfig, "adminApiKey" | "userTokenSecret" | "userTokenPublicKey" | "userTokenIssuer" | "userTokenAudience" | "anonymousWrites">) {
    if (config.userTokenPublicKey) {
      this.algorithms = TOKEN_ALGORITHMS_PUBLIC;
      const pem = config.userTokenPublicKey;
      // The algorithm is pinned per key type by jose at verification; importSPKI needs one to start from.
      this.verifyKey = importPublicKey(pem);
    } else if (config.userTokenSecret) {
      this.algorithms = TOKEN_ALGORITHMS_SECRET;
      this.verifyKey = Promise.resolve(new TextEncoder().encode(config.userTokenSecret));
    } else {
      this.algorithms = [];
    }
  }

  get anonymousWrites(): boolean {
    return this.config.anonymousWrites === "on";
  }

  get userTokensEnabled(): boolean {
    return this.verifyKey !== undefined;
  }

  /**
   * Demo sign-in (the web app's "sign in as" in development): where anyone may already act as
   * any user (anonymous writes on), a token for `userId` adds nothing an attacker lacks, so
   * one is issued (HS256, 1 hour) when USER_TOKEN_SECRET is set, and null when tokens are not
   * used at all. With anonymous writes off this is FORBIDDEN: users get tokens from the
   * identity provider that holds the secret.
   */
  async demoToken(userId: string): Promise<string | null> {
    if (!this.anonymousWrites) throw new AppError("FORBIDDEN", "demo sign-in is only available while anonymous writes are on (development); get a user token from your identity provider");
    if (!this.config.userTokenSecret) return null;
    let token = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(userId).setIssuedAt().setExpirationTime("1h");
    if (this.config.userTokenIssuer) token = token.setIssuer(this.config.userTokenIssuer);
    if (this.config.userTokenAudience) token = token.setAudience(this.config.userTokenAudience);
    return token.sign(new TextEncoder().encode(this.config.userTokenSecret));
  }

  async identify(credentials: Credentials): Promise<Identity> {
    const adminKey = this.config.adminApiKey;
    if (credentials.apiKey !== undefined) {
      if (adminKey && safeEqual(credentials.apiKey, adminKey)) return { principal: { kind: "admin" } };
      return {
        principal: { kind: "anonymous" },
        refused: new AppError("FORBIDDEN", adminKey ? "the API key is not valid" : "admin operations are disabled on this server (ADMIN_API_KEY is not set)"),
      };
    }
    const bearer = credentials.bearer;
    if (bearer === undefined) return { principal: { kind: "anonymous" } };
    if (adminKey && safeEqual(bearer, adminKey)) return { principal: { kind: "admin" } };
    if (!looksLikeJwt(bearer)) {
      return { principal: { kind: "anonymous" }, refused: new AppError("FORBIDDEN", "the bearer credential is neither the admin API key nor a user token") };
    }
    if (!this.verifyKey) {
      return { principal: { kind: "anonymous" }, refused: new AppError("UNAUTHENTICATED", "user tokens are not accepted by this server (USER_TOKEN_SECRET / USER_TOKEN_PUBLIC_KEY is not set)") };
    }
    try {
      const options: JWTVerifyOptions = { algorithms: this.algorithms, issuer: this.config.userTokenIssuer, audience: this.config.userTokenAudience, requiredClaims: ["sub", "exp"] };
      const { payload } = await jwtVerify(bearer, await this.verifyKey, options);
      const subject = payload.sub;
      if (typeof subject !== "string" || subject === "" || subject.length > MAX_SUBJECT_LENGTH || hasControlCharacters(subject)) {
        return { principal: { kind: "anonymous" }, refused: new AppError("UNAUTHENTICATED", `the user token's sub claim must be a user id of 1–${MAX_SUBJECT_LENGTH} characters`) };
      }
      return { principal: { kind: "user", userId: subject } };
    } catch (error) {
      return { principal: { kind: "anonymous" }, refused: new AppError("UNAUTHENTICATED", `the user token is not valid (${tokenProblem(error)})`) };
    }
  }
}

/** Admin-only operations. */
export function requireAdmin(identity: Identity, adminConfigured: boolean): void {
  if (identity.principal.kind === "admin") return;
  if (identity.refused) throw identity.refused;
  if (!adminConfigured) throw new AppError("FORBIDDEN", "admin operations are disabled on this server (ADMIN_API_KEY is not set)");
  throw new AppError("UNAUTHENTICATED", "admin operation: send the API key in the x-api-key header (or Authorization: Bearer <key>)");
}

/** Writes on behalf of `userId`: that user's token, the admin key, or anonymous writes turned on. */
export function requireActingAs(identity: Identity, userId: string, anonymousWrites: boolean): void {
  const { principal } = identity;
  if (principal.kind === "admin") return;
  if (principal.kind === "user") {
    if (principal.userId === userId) return;
    throw new AppError("FORBIDDEN", "the user token names another user; a user may only write their own ratings", { field: "userId" });
  }
  if (identity.refused) throw identity.refused;
  if (anonymousWrites) return;
  throw new AppError("UNAUTHENTICATED", "this write needs a user token (Authorization: Bearer <JWT whose sub is the user id>) or the admin key; anonymous writes are off");
}

function looksLikeJwt(value: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

function tokenProblem(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return "expired";
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return "bad signature";
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return "algorithm not allowed";
  if (error instanceof joseErrors.JOSEError) return error.code;
  return "malformed";
}

async function importPublicKey(pem: string): Promise<CryptoKey | KeyObject> {
  // The key's own type decides the algorithm: RSA → RS256, EC P-256 → ES256, Ed25519 → EdDSA.
  const key = crypto.createPublicKey(pem);
  const type = key.asymmetricKeyType;
  const alg = type === "rsa" ? "RS256" : type === "ec" ? "ES256" : type === "ed25519" ? "EdDSA" : undefined;
  if (!alg) throw new Error(`USER_TOKEN_PUBLIC_KEY: unsupported key type ${type ?? "unknown"} (use RSA, EC P-256 or Ed25519)`);
  return importSPKI(pem, alg);
}

/** Whether a presented secret equals the configured one (admin key, metrics token). */
export function safeEqual(a: string, b: string): boolean {
  // Constant-time comparison of digests: no early exit, and the length is not leaked either.
  const digest = (value: string) => crypto.createHash("sha256").update(value).digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}
