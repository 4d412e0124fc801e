"""The checks' French and English messages, shared by every module of `preflight.check`."""

from __future__ import annotations

from preflight.i18n import Catalogue

_M: Catalogue = {
    # R1
    "family.pass": {
        "fr": "{name} : navigateur recommandé.",
        "en": "{name}: a recommended browser.",
    },
    "family.chromium": {
        "fr": "Chromium : la base libre de Chrome, accepté (versions de test) ; pour un client, "
        "préférez Google Chrome.",
        "en": "Chromium: Chrome's open-source base, accepted (test builds); for a customer, "
        "prefer Google Chrome.",
    },
    "family.ios": {
        "fr": "{name} sur iOS : tous les navigateurs d'iPhone/iPad sont Safari (WebKit) en "
        "dessous — passez la commande sur un ordinateur avec Chrome ou Firefox.",
        "en": "{name} on iOS: every iPhone/iPad browser is Safari (WebKit) underneath — order "
        "on a computer with Chrome or Firefox.",
    },
    "family.safari": {
        "fr": "Safari : à éviter pour les commandes {merchant} — utilisez Google Chrome ou "
        "Mozilla Firefox.",
        "en": "Safari: to be avoided for {merchant} orders — use Google Chrome or Mozilla Firefox.",
    },
    "family.other": {
        "fr": "{name} : navigateur non prévu par la procédure — utilisez Google Chrome ou "
        "Mozilla Firefox.",
        "en": "{name}: not a browser the order procedure allows — use Google Chrome or "
        "Mozilla Firefox.",
    },
    "version.pass": {"fr": "Version {version} : à jour.", "en": "Version {version}: up to date."},
    "version.esr": {
        "fr": "Version {version} : Firefox ESR {major}, version à support étendu maintenue par "
        "Mozilla — à jour.",
        "en": "Version {version}: Firefox ESR {major}, an extended-support release Mozilla still "
        "maintains — current.",
    },
    "version.old": {
        "fr": "Version {version} : trop ancienne (minimum {minimum}) — mettez le "
        "navigateur à jour.",
        "en": "Version {version}: too old (minimum {minimum}) — update the browser.",
    },
    "version.unknown": {
        "fr": "Version inconnue : vérifiez que le navigateur est à jour.",
        "en": "Unknown version: make sure the browser is up to date.",
    },
    "version.na": {
        "fr": "Version {version} : sans objet, ce navigateur n'est pas accepté.",
        "en": "Version {version}: not relevant, this browser is not accepted.",
    },
    # R2 / R3, fresh profile
    "fresh.cache": {
        "fr": "Cache vide : profil neuf ; {proof}",
        "en": "Empty cache: a fresh profile; {proof}",
    },
    "fresh.cookies": {
        "fr": "Aucun cookie : profil neuf (0 cookie compté).",
        "en": "No cookies: a fresh profile (0 cookies counted).",
    },
    "fresh.storage": {
        "fr": "Stockage des sites de commande vide ({origins}).",
        "en": "Order sites' storage empty ({origins}).",
    },
    "fresh.session": {
        "fr": "Aucune session {merchant} : profil neuf ; {proof}",
        "en": "No {merchant} session: a fresh profile; {proof}",
    },
    # R2 / R3, named profile
    "cache.fixed": {
        "fr": "Cache HTTP vidé ({found}) ; {proof}",
        "en": "HTTP cache cleared ({found}); {proof}",
    },
    "cache.pass": {
        "fr": "Cache HTTP déjà vide ; {proof}",
        "en": "HTTP cache already empty; {proof}",
    },
    "cache.fail": {
        "fr": "Cache HTTP encore utilisé après nettoyage : {proof}",
        "en": "HTTP cache still used after cleaning: {proof}",
    },
    "proof.network": {
        "fr": "{count} ressource(s) du site de commande rechargée(s) depuis le réseau.",
        "en": "{count} order-site resource(s) fetched again from the network.",
    },
    "proof.cached": {
        "fr": "{count} ressource(s) servie(s) depuis le cache : {urls}.",
        "en": "{count} resource(s) served from the cache: {urls}.",
    },
    "proof.none": {
        "fr": "aucune ressource du site de commande à recharger pour le prouver.",
        "en": "no order-site resource to fetch again to prove it.",
    },
    "proof.unreachable": {
        "fr": "page du site de commande injoignable pour le vérifier ({error}).",
        "en": "the order site's page could not be loaded to verify it ({error}).",
    },
    "cookies.fixed": {
        "fr": "{before} cookie(s) {scope} supprimé(s) ; 0 restant.",
        "en": "{before} {scope} cookie(s) removed; 0 left.",
    },
    "cookies.pass": {
        "fr": "Aucun cookie {scope} (0 compté).",
        "en": "No {scope} cookies (0 counted).",
    },
    "cookies.fail": {
        "fr": "{after} cookie(s) {scope} encore présent(s) après nettoyage.",
        "en": "{after} {scope} cookie(s) still there after cleaning.",
    },
    "scope.all": {"fr": "", "en": ""},
    "scope.order": {"fr": "des sites de commande", "en": "order-site"},
    "storage.fixed": {
        "fr": "Stockage des sites vidé ({found}) ; vérifié vide pour {origins}.",
        "en": "Site storage cleared ({found}); verified empty for {origins}.",
    },
    "storage.pass": {
        "fr": "Stockage des sites de commande vide ({origins}).",
        "en": "Order sites' storage empty ({origins}).",
    },
    "storage.fail": {
        "fr": "Stockage encore présent après nettoyage : {found}.",
        "en": "Storage still there after cleaning: {found}.",
    },
    "session.fixed": {
        "fr": "Session {merchant} fermée ({found}) ; {proof}",
        "en": "{merchant} session closed ({found}); {proof}",
    },
    "session.pass": {
        "fr": "Aucune session {merchant} ouverte ; {proof}",
        "en": "No open {merchant} session; {proof}",
    },
    "session.fail": {
        "fr": "Session {merchant} encore ouverte après nettoyage : {proof}",
        "en": "{merchant} session still open after cleaning: {proof}",
    },
    "account.logged_out": {
        "fr": "l'espace client affiche l'état déconnecté.",
        "en": "the account page shows the logged-out state.",
    },
    "account.logged_in": {
        "fr": "l'espace client affiche l'état connecté.",
        "en": "the account page shows the logged-in state.",
    },
    "account.unknown": {
        "fr": "aucun cookie de connexion ; l'état de l'espace client n'est pas décrit par les "
        "règles.",
        "en": "no login cookie; the rules do not describe the account page's state.",
    },
    "account.unreachable": {
        "fr": "aucun cookie de connexion ; espace client injoignable ({error}).",
        "en": "no login cookie; the account page could not be loaded ({error}).",
    },
    # Not driven: --user-agent
    "ua.manual": {
        "fr": "Non vérifiable sur un navigateur non piloté : {what}",
        "en": "Cannot be checked on a browser preflight does not drive: {what}",
    },
    "ua.cache": {
        "fr": "videz le cache à la main (Paramètres › Confidentialité › Effacer les données).",
        "en": "clear the cache by hand (Settings › Privacy › Clear browsing data).",
    },
    "ua.cookies": {
        "fr": "supprimez les cookies à la main (Paramètres › Confidentialité).",
        "en": "delete the cookies by hand (Settings › Privacy).",
    },
    "ua.session": {
        "fr": "déconnectez-vous de l'espace client {merchant}.",
        "en": "log out of the {merchant} account page.",
    },
    # Manual items: their texts are the rules' (`shop.checklist`)
    "manual.not_asked": {"fr": " (non demandé)", "en": " (not asked)"},
}
