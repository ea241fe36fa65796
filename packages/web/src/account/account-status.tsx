import { t } from "../i18n/i18n.ts";
import { account, signInUrl, signOut } from "./account.ts";

/**
 * Sign in, or who you are signed in as and sign out. Nothing when the server offers no sign-in
 * (open guest mode), so the quick start looks as before.
 */
export function AccountStatus({ returnPath }: { returnPath: string }) {
  const state = account.value;
  if (state.kind === "loading" || state.kind === "unavailable") return null;
  if (state.kind === "signed-out") {
    return (
      <div class="account" data-account="signed-out">
        <a class="button" href={signInUrl(returnPath)}>
          {t("account.signIn")}
        </a>
      </div>
    );
  }
  return (
    <div class="account" data-account="signed-in" title={state.identity}>
      <span class="account-name">{t("account.signedInAs", { name: state.displayName })}</span>
      <button type="button" onClick={() => void signOut()}>
        {t("account.signOut")}
      </button>
    </div>
  );
}
