"""Deutsch (informal "du", as spoken video scripts usually are)."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="German",
    quotes=("\u201e", "\u201c"),
    lower_after_colon=False,
    function_words=frozenset(),
    generic_points=(
        "{title} klingt einfach, doch dahinter steckt mehr, als die meisten denken.",
        "Entscheidend ist, woher {title} kommt und warum das Thema heute wichtig ist.",
        "Hier verändern kleine Details alles, und wer sie einmal gesehen hat, vergisst sie "
        "nicht mehr.",
        "Wer {title} versteht, trifft bessere Entscheidungen, weil er das Muster dahinter erkennt.",
        "Am besten merkst du es dir, wenn du es mit etwas verbindest, das du schon kennst.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "Das ist eine Geschichte über {title}.",
                "Lass mich dir eine Geschichte erzählen: die Geschichte von {title}.",
            ),
            lead=(
                "Alles begann so:",
                "Dann änderte sich etwas:",
                "Und genau in diesem Moment geschah es:",
                "Kurz darauf:",
                "Später:",
            ),
            develop=(
                "Niemand hatte es kommen sehen, und doch waren alle Zeichen von Anfang an da.",
                "Jede Geschichte hat einen Moment, in dem alles kippen kann, und das war "
                "dieser Moment.",
                "Es ist die Art von Detail, die einem noch lange nach dem Ende der Geschichte "
                "im Kopf bleibt.",
                "Und genau hier wird {title} mehr als nur eine Geschichte: eine Lektion.",
            ),
            outro=(
                "Und das ist die Geschichte von {title}.",
                "So endet die Geschichte von {title}, zumindest vorerst.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title}: Das musst du in unter einer Minute wissen.",
                "Sechzig Sekunden über {title}. Los geht's.",
            ),
            lead=("Erstens:", "Zweitens:", "Außerdem:", "Und:", "Dazu kommt:", "Noch etwas:"),
            develop=(
                "Klingt nach wenig, ändert aber alles.",
                "Die meisten übersehen genau das.",
                "Behalte das im Kopf, es ist wichtig.",
                "Das ist der Teil, den dir keiner erzählt.",
            ),
            outro=(
                "Das war {title} in unter einer Minute.",
                "Jetzt kennst du das Wichtigste über {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Heute erklären wir {title}, Schritt für Schritt, damit es endlich Sinn ergibt.",
                "Was genau steckt hinter {title}, und warum ist das wichtig? Nehmen wir es "
                "Stück für Stück auseinander.",
            ),
            lead=("Punkt {n}:",),
            develop=(
                "Warum ist das wichtig? Weil es alles prägt, was danach kommt.",
                "Anders gesagt: Die Details sind kein Zufall, sie folgen einer klaren Logik.",
                "Stell es dir ganz einfach vor: als würdest du es einem Freund bei einem "
                "Kaffee erklären.",
                "Genau hier beginnen auch die meisten Missverständnisse über {title}.",
                "Zusammengesetzt ergeben diese Teile ein Bild, das leichter zu verstehen ist, "
                "als es zunächst schien.",
            ),
            outro=(
                "Das war also {title}, erklärt: die Idee, die Gründe und was das in der "
                "Praxis bedeutet.",
                "Kurz gesagt: {title} lässt sich auf wenige klare Gedanken zurückführen, und "
                "die kennst du jetzt.",
            ),
        ),
        "commercial": Frame(
            intro=(
                "Wir präsentieren: {title}.",
                "Das ist {title}: gemacht für alle, die mehr wollen.",
            ),
            lead=("Und zwar deshalb:", "Und:", "Dazu:", "Obendrein:", "Und das Beste:"),
            develop=(
                "Es spart dir Zeit, und es funktioniert einfach.",
                "Mit Sorgfalt entwickelt, für die Dauer gebaut.",
                "Probier es einmal aus, und du fragst dich, wie es je ohne ging.",
            ),
            outro=(
                "{title}: Probier es noch heute aus.",
                "Warte nicht länger: Entdecke {title} jetzt.",
            ),
        ),
        "inspirational": Frame(
            intro=(
                "Lass uns über {title} sprechen und darüber, wozu du fähig bist.",
                "{title}: eine Erinnerung daran, dass jede große Veränderung mit einem "
                "einzigen Schritt beginnt.",
            ),
            lead=(
                "Denk daran:",
                "Und daran:",
                "Und auch daran:",
                "Vergiss nie:",
                "Und vor allem:",
            ),
            develop=(
                "Jeder Rückschlag ist der Anfang eines Comebacks.",
                "Du musst nicht perfekt sein; du musst nur anfangen.",
                "Die Menschen, die du bewunderst, haben genau dort angefangen, wo du jetzt stehst.",
                "Fortschritt ist leise, aber er summiert sich, Tag für Tag.",
            ),
            outro=(
                "Also nimm, was {title} dich lehrt, und mach es zu deinem.",
                "Dein nächster Schritt beginnt jetzt, mit {title} als Wegweiser.",
            ),
        ),
        "educational": Frame(
            intro=(
                "In dieser Lektion beschäftigen wir uns mit {title}: was es ist, wie es "
                "funktioniert und warum es wichtig ist.",
                "Die heutige Lektion: {title}. Am Ende kannst du es selbst erklären.",
            ),
            lead=("Kernidee Nummer {n}:",),
            develop=(
                "Nimm dir einen Moment, um das zu notieren, denn wir bauen darauf auf.",
                "Ob du es verstanden hast, prüfst du am besten, indem du es in eigenen Worten "
                "erklärst.",
                "Achte darauf, wie das mit dem zusammenhängt, was wir gerade gesehen haben.",
                "Eine kurze Frage zum Selbsttest: Könntest du ein Beispiel dafür nennen?",
            ),
            outro=(
                "Zur Wiederholung: Das war {title}, mit den wichtigsten Ideen und ihrem "
                "Zusammenhang.",
                "Damit ist unsere Lektion über {title} beendet. Versuch heute, es jemand "
                "anderem zu erklären.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "In diesem Tutorial lernst du {title}, Schritt für Schritt.",
                "So geht's: {title}, von Anfang bis Ende.",
            ),
            lead=("Schritt {n}:",),
            develop=(
                "Nimm dir für diesen Schritt Zeit; er macht die nächsten leichter.",
                "Wenn etwas nicht klappt, geh zurück und prüfe den vorherigen Schritt.",
                "Ein kurzer Tipp: Leg dir alles bereit, was du brauchst, bevor du weitermachst.",
                "Sobald das erledigt ist, kann es weitergehen.",
            ),
            outro=(
                "Und das war's: Du hast {title} geschafft.",
                "Jetzt weißt du, wie du {title} selbst meisterst.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=(
                "Lass uns heute etwas Nützliches lernen.",
                "Hier geht es um etwas, das es wert ist, verstanden zu werden.",
            ),
            aside=(
                "Achte auf die Begründung, nicht nur auf die Fakten.",
                "Ein guter Moment, kurz innezuhalten und die Ideen zu verbinden.",
                "Merke: Verstehen schlägt Auswendiglernen.",
                "Schreib dir diesen Punkt auf, er kommt wieder.",
            ),
            closer=(
                "Lern weiter, und frag weiter nach dem Warum.",
                "Schau es dir morgen noch einmal an, dann bleibt es hängen.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "Du kannst mehr, als du dir vorstellst.",
                "Heute ist ein guter Tag, um anzufangen.",
            ),
            aside=(
                "Glaub daran.",
                "Du schaffst das!",
                "Jeder Schritt zählt, auch der kleinste.",
                "Deine Mühe zählt mehr, als du denkst.",
                "Mach weiter!",
            ),
            closer=(
                "Geh raus und mach es möglich!",
                "Das Beste kommt erst noch, also geh weiter voran.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Okay, anschnallen, denn das hier ist lustiger, als es sein dürfte.",
                "Kleine Warnung: Das wird jetzt ein bisschen absurd.",
            ),
            aside=(
                "Ja, wirklich. Ich hab's nachgeprüft. Zweimal.",
                "Wenn das absurd klingt, dann, weil es das auch ein bisschen ist.",
                "Meine Katze war nicht beeindruckt, aber meine Katze ist nie beeindruckt.",
                "Nicht lachen. Na gut, ein bisschen lachen.",
                "Überraschung: Es ergibt tatsächlich Sinn.",
            ),
            closer=(
                "Wenn du auch nur einmal gelächelt hast, ist meine Arbeit hier getan.",
                "Erzähl es einem Freund und tu so, als hättest du es schon immer gewusst.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Alles, was du zu wissen glaubtest, wird sich gleich ändern.",
                "Hör genau zu. Das ist wichtig.",
            ),
            aside=(
                "Denk darüber nach.",
                "Und dann... Stille.",
                "Nichts würde je wieder so sein wie vorher.",
                "Es stand nie mehr auf dem Spiel.",
                "Ein Augenblick. Eine Entscheidung.",
            ),
            closer=("Die Frage ist: Was wirst du jetzt tun?", "Erinnere dich an diesen Moment."),
        ),
        "casual": Tone(
            opener=("Hey, also, die Sache ist so.", "Okay, wir machen es ganz einfach."),
            aside=(
                "Ziemlich cool, oder?",
                "Keine große Sache, aber gut zu wissen.",
                "Ehrlich gesagt ist das mein Lieblingsteil.",
                "Bleib dran, es wird noch besser.",
                "Ganz leicht, oder?",
            ),
            closer=(
                "Na ja, das war's von mir. Bis zum nächsten Mal!",
                "Also, probier's einfach aus und schau, wie es läuft.",
            ),
        ),
        "professional": Tone(
            opener=("Hier ein kompakter Überblick.", "Konzentrieren wir uns auf das Wesentliche."),
            aside=(
                "Das wirkt sich direkt auf die Ergebnisse aus.",
                "Die Fakten stützen diesen Ansatz durchgängig.",
                "Ein praktischer Punkt, bei dem sich Handeln lohnt.",
                "Klarheit an dieser Stelle spart später Zeit und Ressourcen.",
            ),
            closer=(
                "Vielen Dank für die Aufmerksamkeit.",
                "Die nächsten Schritte sind klar und umsetzbar.",
            ),
        ),
    },
)
