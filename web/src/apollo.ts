// One Apollo Client for the app, same origin as the page. Who the caller is lives in
// sessionStorage (a user token from signing in, or the admin key typed in the console) and
// goes out as the headers the API reads (src/api/auth.ts).
import { ApolloClient, HttpLink, InMemoryCache, from } from "@apollo/client";
import { setContext } from "@apollo/client/link/context";

const USER_TOKEN = "graphrec.userToken";
const USER_ID = "graphrec.userId";
const ADMIN_KEY = "graphrec.adminKey";

export const session = {
  userId: (): string | null => sessionStorage.getItem(USER_ID),
  userToken: (): string | null => sessionStorage.getItem(USER_TOKEN),
  adminKey: (): string | null => sessionStorage.getItem(ADMIN_KEY),
  signIn(userId: string, token: string | null): void {
    sessionStorage.setItem(USER_ID, userId);
    if (token) sessionStorage.setItem(USER_TOKEN, token);
    else sessionStorage.removeItem(USER_TOKEN);
  },
  signOut(): void {
    sessionStorage.removeItem(USER_ID);
    sessionStorage.removeItem(USER_TOKEN);
  },
  setAdminKey(key: string | null): void {
    if (key) sessionStorage.setItem(ADMIN_KEY, key);
    else sessionStorage.removeItem(ADMIN_KEY);
  },
};

const auth = setContext((_operation, { headers }) => {
  const token = session.userToken();
  const key = session.adminKey();
  return {
    headers: {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key ? { "x-api-key": key } : {}),
    },
  };
});

export const client = new ApolloClient({
  link: from([auth, new HttpLink({ uri: "/graphql" })]),
  cache: new InMemoryCache({
    typePolicies: {
      // Items are identified by their external id; recommendations are lists computed per request.
      Item: { keyFields: ["id"] },
      User: { keyFields: ["id"] },
      // admin: models and reports are named, not numbered; health and serverInfo are one object each,
      // asked for with different fields by the header and the admin console.
      ModelInfo: { keyFields: ["name"] },
      EvaluationReport: { keyFields: ["name"] },
      Health: { merge: true },
      ServerInfo: { merge: true },
    },
  }),
  defaultOptions: { watchQuery: { fetchPolicy: "cache-and-network" } },
});
