"""The join flow with the keyboard only: Tab, Shift+Tab, Enter, Space and typing. Each
control is reached in order, with a visible focus ring, and the flow completes."""

from rers_core.models import ContactConsent, Member
from tests.browser.support import expect

PASSWORD = "une-phrase-de-passe-assez-longue"

# What has the focus: its tag, its type, the text naming it (label or content), and
# whether a focus ring is drawn (the stylesheet's outline and shadow on :focus-visible).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.textContent;
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    name: (label || "").replace(/\\s+/g, " ").trim(),
    id: el.id,
    ring: el.matches(":focus-visible")
      && ((style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
          || style.boxShadow !== "none"),
  };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def press(page, key: str, expected: str) -> dict:
    """Press a key; the focus must land on the control named ``expected``, visibly."""
    page.keyboard.press(key)
    now = focused(page)
    assert expected in now["name"], (key, expected, now)
    assert now["ring"], f"no visible focus on {now}"
    return now


def tab_to(page, expected: str, limit: int = 25) -> dict:
    """Tab forward until the control named ``expected`` has the focus; every stop on the
    way shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        assert now["ring"], f"no visible focus on {now}"
        if expected in now["name"]:
            return now
    raise AssertionError(f"{expected!r} not reached with Tab in {limit} presses")


def skip_to_main(page) -> None:
    """The first Tab shows the skip link; Enter moves the focus into the main content."""
    press(page, "Tab", "Aller au contenu principal")
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"


def test_the_join_flow_works_with_the_keyboard_only(page, network):
    page.goto(f"/{network.slug}/")
    skip_to_main(page)
    press(page, "Tab", "S’inscrire")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    skip_to_main(page)
    assert press(page, "Tab", "E-mail")["tag"] == "input"
    page.keyboard.type("sam@example.org")
    press(page, "Tab", "Mot de passe")
    page.keyboard.type(PASSWORD)
    press(page, "Tab", "Mot de passe (confirmation)")
    # A typo: back with Shift+Tab to check the first password, then on again.
    press(page, "Shift+Tab", "Mot de passe")
    press(page, "Tab", "Mot de passe (confirmation)")
    page.keyboard.type(PASSWORD)
    press(page, "Tab", "Créer mon compte")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Rejoindre {network.name}")
    # The redirect keeps the skip link's #main: the browser puts the focus on the main
    # content again, and the first Tab goes to its first field.
    assert page.url.endswith("#main")
    page.wait_for_function("() => document.activeElement.id === 'main'")
    press(page, "Tab", "Nom que les autres membres verront")
    page.keyboard.type("Sam")
    press(page, "Tab", "Votre présentation")
    page.keyboard.type("J’apprends vite et j’aime expliquer.")
    charter = press(page, "Tab", "J’accepte librement la charte")
    assert charter["type"] == "checkbox"
    page.keyboard.press("Space")
    expect(page.get_by_label("J’accepte librement la charte")).to_be_checked()
    by_email = press(page, "Tab", "par e-mail")
    assert by_email["type"] == "checkbox"
    page.keyboard.press("Space")
    tab_to(page, "Limité à")
    page.keyboard.type("les questions de cuisine")
    press(page, "Tab", "Rejoindre")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    member = Member.objects.get(network=network, display_name="Sam")
    assert member.status == Member.Status.MEMBER
    [consent] = ContactConsent.objects.filter(member=member, revoked_at__isnull=True)
    assert (consent.channel, consent.audience, consent.scope) == (
        "email",
        "network",
        "les questions de cuisine",
    )
