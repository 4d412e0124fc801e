"""The words of the seller's pages and of the live panel, French and English."""

from __future__ import annotations

from preflight.i18n import Catalogue

TEXTS: Catalogue = {
    # --- shared
    "brand": {"fr": "preflight — commande ACN", "en": "preflight — ACN order"},
    "copy": {"fr": "Copier", "en": "Copy"},
    "copied": {"fr": "Copié", "en": "Copied"},
    "copy_failed": {
        "fr": "Copie impossible : sélectionnez le texte et copiez-le (Ctrl+C).",
        "en": "Cannot copy: select the text and copy it (Ctrl+C).",
    },
    # --- end page
    "end.title": {"fr": "Fin de la commande", "en": "End of the order"},
    "end.todo": {"fr": "À faire maintenant", "en": "What to do now"},
    "end.lost.todo": {
        "fr": "Cette commande ne sera pas attribuée à votre boutique ACN. Pour la prochaine "
        "commande, repartez du lien ACN dans un navigateur vérifié par « preflight check », et "
        "n'utilisez ni Précédent, ni Suivant, ni Actualiser, ni le service client.",
        "en": "This order will not be attributed to your ACN shop. For the next order, start "
        "again from the ACN link in a browser checked by « preflight check », and do not use "
        "Back, Forward, Refresh or customer service.",
    },
    "end.no_order": {
        "fr": "La commande n'est pas allée jusqu'à la confirmation : aucun numéro de commande à "
        "attribuer. Si le client veut commander, recommencez depuis le lien ACN.",
        "en": "The order did not reach its confirmation: no order number to attribute. If the "
        "customer wants to order, start again from the ACN link.",
    },
    "end.report": {"fr": "Voir le rapport complet", "en": "See the full report"},
    "end.report_path": {"fr": "Dossier du rapport :", "en": "Report folder:"},
    "end.support_path": {"fr": "Dossier d'assistance :", "en": "Support bundle:"},
    "end.close": {
        "fr": "Vous pouvez fermer ce navigateur quand vous avez fini.",
        "en": "You can close this browser when you are done.",
    },
    # --- live panel
    "panel.title": {"fr": "preflight", "en": "preflight"},
    "panel.intact": {"fr": "Session ACN intacte", "en": "ACN session intact"},
    "panel.lost": {"fr": "Session ACN perdue", "en": "ACN session lost"},
    "panel.waiting": {
        "fr": "En attente du lien ACN",
        "en": "Waiting for the ACN link",
    },
    "panel.step": {"fr": "Étape : {step}", "en": "Step: {step}"},
    "panel.ended_by": {"fr": "Cause : {what}", "en": "Ended by: {what}"},
    "panel.rules": {
        "fr": "Ni Précédent, ni Suivant, ni Actualiser, ni service client.",
        "en": "No Back, Forward, Refresh or customer service.",
    },
    "panel.fold": {"fr": "Replier", "en": "Fold"},
    "panel.unfold": {"fr": "Déplier", "en": "Unfold"},
    "panel.support_saved": {
        "fr": "Test d'éligibilité en échec : dossier d'assistance enregistré.",
        "en": "Eligibility test failed: support bundle saved.",
    },
    "panel.confirmed": {"fr": "Commande confirmée", "en": "Order confirmed"},
    # --- end page, a watch cut short (--timeout, Ctrl+C)
    "end.stopped.title": {"fr": "Commande interrompue", "en": "Order interrupted"},
    "end.stopped.interrupted": {
        "fr": "La surveillance a été arrêtée (Ctrl+C) avant la fin de la commande.",
        "en": "The watch was stopped (Ctrl+C) before the end of the order.",
    },
    "end.stopped.timeout": {
        "fr": "La surveillance s'est arrêtée à la fin de sa durée (--timeout), avant la fin de "
        "la commande.",
        "en": "The watch stopped at the end of its time limit (--timeout), before the end of "
        "the order.",
    },
    "end.stopped.commission": {
        "fr": "Le verdict ne vaut que jusqu'à l'arrêt : la suite n'est pas surveillée, rien ne "
        "prouve que la commande sera attribuée à votre boutique {affiliate} ni que la "
        "commission vous reviendra.",
        "en": "The verdict holds only up to the stop: what follows is not watched, nothing "
        "proves that the order will be attributed to your {affiliate} shop, nor that the "
        "commission will be yours.",
    },
}

START: Catalogue = {
    "start.title": {"fr": "Avant la commande", "en": "Before the order"},
    "start.check": {"fr": "Contrôle du navigateur", "en": "Browser check"},
    "start.check.ready": {
        "fr": "Prêt : ce navigateur peut servir à la commande.",
        "en": "Ready: this browser can be used for the order.",
    },
    "start.check.not_ready": {
        "fr": "Pas prêt : corrigez les points en échec, puis relancez « preflight order ».",
        "en": "Not ready: fix the failed items, then run « preflight order » again.",
    },
    "start.check.none": {
        "fr": "Contrôle du navigateur non lancé.",
        "en": "The browser check was not run.",
    },
    "start.checklist": {"fr": "Avec le client", "en": "With the customer"},
    "start.phone": {
        "fr": "Numéro du client joignable en journée (vérifié, jamais conservé)",
        "en": "Customer's daytime phone number (checked, never kept)",
    },
    "start.phone.ok": {"fr": "Numéro valide.", "en": "Valid number."},
    "start.phone.bad": {
        "fr": "Ce n'est pas un numéro français valide (ex. 06 12 34 56 78 ou +33 6 12 34 56 78).",
        "en": "Not a valid French number (e.g. 06 12 34 56 78 or +33 6 12 34 56 78).",
    },
    "start.rules": {"fr": "Pendant la commande", "en": "During the order"},
    "start.rule.nav": {
        "fr": "N'utilisez ni Précédent, ni Suivant, ni Actualiser (ni F5).",
        "en": "Do not use Back, Forward or Refresh (nor F5).",
    },
    "start.rule.cs": {
        "fr": "Ne cliquez sur aucun bouton du service client (chat, rappel, aide).",
        "en": "Do not click any customer-service button (chat, call-back, help).",
    },
    "start.rule.later": {
        "fr": "Au paiement, choisissez « Commander plus tard » : le client paie depuis son "
        "propre ordinateur.",
        "en": "At payment, choose « Commander plus tard »: the customer pays from their own "
        "computer.",
    },
    "start.rule.one": {
        "fr": "Restez dans cet onglet du début à la fin.",
        "en": "Stay in this tab from start to end.",
    },
    "start.link": {"fr": "Lien ACN de la commande", "en": "The order's ACN link"},
    "start.link.ok": {
        "fr": "Lien ACN reconnu.",
        "en": "ACN link recognised.",
    },
    "start.link.bad": {
        "fr": "Ce n'est pas un lien ACN attendu (il doit commencer comme : {expected}).",
        "en": "Not an expected ACN link (it must start like: {expected}).",
    },
    "start.go": {"fr": "Ouvrir la commande", "en": "Open the order"},
    "start.check.fix": {
        "fr": "Pas prêt : corrigez les points ✗, puis « Vérifier à nouveau ».",
        "en": "Not ready: fix the ✗ items, then « Check again ».",
    },
    "start.todo.browser": {
        "fr": "À faire : fermez ce navigateur et relancez « preflight order » avec Google "
        "Chrome ou Mozilla Firefox (--browser chrome ou --browser firefox).",
        "en": "To do: close this browser and run « preflight order » again with Google Chrome "
        "or Mozilla Firefox (--browser chrome or --browser firefox).",
    },
    "start.todo.clean": {
        "fr": "À faire : fermez les autres fenêtres du navigateur et toute session {merchant} "
        "ouverte, puis « Vérifier à nouveau ».",
        "en": "To do: close the browser's other windows and any open {merchant} session, then "
        "« Check again ».",
    },
    "start.todo.other": {
        "fr": "À faire : corrigez ce point, puis « Vérifier à nouveau ».",
        "en": "To do: fix this item, then « Check again ».",
    },
    "start.recheck": {"fr": "Vérifier à nouveau", "en": "Check again"},
    "start.recheck.running": {"fr": "Vérification en cours…", "en": "Checking…"},
    "start.recheck.failed": {
        "fr": "La vérification n'a pas pu se faire : voir le terminal.",
        "en": "The check could not run: see the terminal.",
    },
    "start.go.blocked": {
        "fr": "Désactivé : le contrôle du navigateur n'est pas prêt (points ✗ ci-dessus).",
        "en": "Disabled: the browser check is not ready (✗ items above).",
    },
    "start.not_ready.cli": {
        "fr": "Ce navigateur n'est pas prêt : la page de départ dit quoi corriger ; la "
        "commande s'ouvre quand le contrôle est prêt.",
        "en": "This browser is not ready: the start page says what to fix; the order opens "
        "once the check is ready.",
    },
    "start.go.note": {
        "fr": "La commande s'ouvre dans cet onglet ; preflight la surveille jusqu'à la fin.",
        "en": "The order opens in this tab; preflight watches it to the end.",
    },
}
