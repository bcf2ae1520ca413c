"""Italiano."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="Italian",
    quotes=("\u00ab", "\u00bb"),
    lower_after_colon=True,
    function_words=frozenset(
        "il lo la i gli le l un uno una di del dello della dei degli delle a al allo alla ai "
        "agli alle da dal dalla dai in nel nella nei negli nelle con su sul sulla per tra fra "
        "e ed o ma se quando questo questa questi queste quel quello quella quelli quelle "
        "ogni tutto tutta tutti tutte che come perché è sono c ci si mi ti vi ne non più "
        "molto anche io tu lui lei noi voi loro suo sua suoi sue mio mia nostro nostra "
        "spesso qui".split()
    ),
    generic_points=(
        "{title} sembra una cosa semplice, ma dietro c'è molto più di quanto si pensi.",
        "La chiave è capire da dove nasce {title} e perché conta oggi.",
        "Qui i piccoli dettagli cambiano tutto, e una volta che li hai visti non puoi più "
        "ignorarli.",
        "Chi capisce {title} prende decisioni migliori, perché vede lo schema che c'è dietro.",
        "Il modo migliore per ricordarlo è collegarlo a qualcosa che già conosci.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "Questa è una storia su {title}.",
                "Lascia che ti racconti una storia: la storia di {title}.",
            ),
            lead=(
                "Tutto è cominciato così:",
                "Poi qualcosa è cambiato:",
                "Ed è stato allora che è successo:",
                "Poco dopo:",
                "Più tardi:",
            ),
            develop=(
                "Nessuno se lo aspettava, eppure tutti i segnali erano lì fin dall'inizio.",
                "Ogni storia ha un momento in cui tutto può cambiare, e quello era il momento.",
                "È il tipo di dettaglio che ti resta dentro molto tempo dopo la fine della storia.",
                "Ed è qui che {title} smette di essere solo una storia e diventa una lezione.",
            ),
            outro=(
                "E questa è la storia di {title}.",
                "Così finisce la storia di {title}, almeno per ora.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title}: ecco cosa devi sapere in meno di un minuto.",
                "Sessanta secondi su {title}. Si parte.",
            ),
            lead=("Primo:", "Secondo:", "Inoltre:", "E poi:", "In più:", "Un'ultima cosa:"),
            develop=(
                "Sembra poco, ma cambia tutto.",
                "La maggior parte delle persone se lo perde.",
                "Tienilo a mente, è importante.",
                "È la parte che nessuno ti dice.",
            ),
            outro=(
                "Ecco {title} in meno di un minuto.",
                "Ora conosci l'essenziale su {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Oggi ti spieghiamo {title}, passo dopo passo, perché finalmente abbia senso.",
                "Che cos'è esattamente {title}, e perché è importante? Smontiamolo, pezzo per "
                "pezzo.",
            ),
            lead=("Punto {n}:",),
            develop=(
                "Perché è importante? Perché influenza tutto quello che viene dopo.",
                "In altre parole, i dettagli non sono casuali: seguono una logica chiara.",
                "Un modo semplice per immaginarlo: pensa di spiegarlo a un amico davanti a "
                "un caffè.",
                "È anche qui che nascono quasi tutti i malintesi su {title}.",
                "Messi insieme, questi pezzi formano un quadro più facile da capire di quanto "
                "sembrasse.",
            ),
            outro=(
                "Ecco quindi {title}, spiegato: l'idea, le ragioni e cosa significa in pratica.",
                "In sintesi, {title} si riduce a poche idee chiare, e adesso le hai tutte.",
            ),
        ),
        "commercial": Frame(
            intro=("Ecco a voi {title}.", "Scopri {title}: pensato per chi vuole di più."),
            lead=(
                "Ecco perché:",
                "E poi:",
                "In più:",
                "Per non parlare di questo:",
                "E la cosa migliore:",
            ),
            develop=(
                "Ti fa risparmiare tempo, e funziona e basta.",
                "Progettato con cura, fatto per durare.",
                "Provalo una volta e ti chiederai come facevi prima.",
            ),
            outro=("{title}: provalo oggi stesso.", "Non aspettare: scopri {title} adesso."),
        ),
        "inspirational": Frame(
            intro=(
                "Parliamo di {title}, e di tutto ciò di cui sei capace.",
                "{title}: un promemoria che ogni grande cambiamento inizia con un solo passo.",
            ),
            lead=(
                "Ricorda questo:",
                "E poi questo:",
                "E anche questo:",
                "Non dimenticarlo mai:",
                "E soprattutto:",
            ),
            develop=(
                "Ogni caduta prepara una ripartenza.",
                "Non serve essere perfetti; basta cominciare.",
                "Le persone che ammiri sono partite esattamente da dove sei tu adesso.",
                "Il progresso è silenzioso, ma si accumula, giorno dopo giorno.",
            ),
            outro=(
                "Quindi prendi ciò che {title} ti insegna e fallo tuo.",
                "Il tuo prossimo passo inizia adesso, con {title} come guida.",
            ),
        ),
        "educational": Frame(
            intro=(
                "In questa lezione studiamo {title}: che cos'è, come funziona e perché è "
                "importante.",
                "La lezione di oggi è {title}. Alla fine saprai spiegarlo con parole tue.",
            ),
            lead=("Idea chiave numero {n}:",),
            develop=(
                "Prenditi un momento per annotarlo, perché ci costruiremo sopra.",
                "Un buon modo per verificare di aver capito è spiegarlo con parole tue.",
                "Nota come questo si collega a quello che abbiamo appena visto.",
                "Una domanda veloce per metterti alla prova: sapresti farne un esempio?",
            ),
            outro=(
                "Ricapitolando: abbiamo visto {title}, le idee chiave e come si collegano "
                "tra loro.",
                "Questo conclude la nostra lezione su {title}. Prova a spiegarlo a qualcun "
                "altro oggi stesso.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "In questo tutorial imparerai {title}, un passo alla volta.",
                "Ecco come si fa: {title}, dall'inizio alla fine.",
            ),
            lead=("Passo {n}:",),
            develop=(
                "Prenditi il tuo tempo con questo passaggio: renderà più facili i successivi.",
                "Se qualcosa non funziona, torna indietro e controlla il passaggio precedente.",
                "Un consiglio veloce: tieni a portata di mano tutto ciò che ti serve prima di "
                "continuare.",
                "Una volta fatto questo, puoi andare avanti.",
            ),
            outro=(
                "Ed ecco fatto: hai completato {title}.",
                "Ora sai gestire {title} in piena autonomia.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=("Oggi impariamo qualcosa di utile.", "Ecco qualcosa che vale la pena capire."),
            aside=(
                "Nota il ragionamento, non solo i fatti.",
                "È un buon momento per fermarsi e collegare le idee.",
                "Ricorda: capire è meglio che memorizzare.",
                "Segnati questo punto, tornerà.",
            ),
            closer=(
                "Continua a imparare, e continua a chiederti perché.",
                "Ripassalo domani, e ti resterà impresso.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "Sei capace di molto più di quanto immagini.",
                "Oggi è un buon giorno per cominciare.",
            ),
            aside=(
                "Credici.",
                "Ce la puoi fare!",
                "Ogni passo conta, anche il più piccolo.",
                "Il tuo impegno conta più di quanto pensi.",
                "Vai avanti!",
            ),
            closer=(
                "Vai là fuori e fallo succedere!",
                "Il meglio deve ancora venire, quindi continua ad andare avanti.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Allora, allacciate le cinture, perché questa è più divertente del previsto.",
                "Avviso: la cosa si fa un po' assurda.",
            ),
            aside=(
                "Sì, davvero. Ho controllato. Due volte.",
                "Se sembra assurdo, è perché lo è, un pochino.",
                "Il mio gatto non era impressionato, ma il mio gatto non è mai impressionato.",
                "Non ridere. Va bene, ridi un po'.",
                "Colpo di scena: in realtà ha senso.",
            ),
            closer=(
                "Se hai sorriso almeno una volta, il mio lavoro qui è finito.",
                "Raccontalo a un amico, e fai finta di averlo sempre saputo.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Tutto ciò che credevi di sapere sta per cambiare.",
                "Ascolta bene. Questo è importante.",
            ),
            aside=(
                "Pensaci.",
                "E poi... silenzio.",
                "Niente sarebbe più stato come prima.",
                "La posta in gioco non è mai stata così alta.",
                "Un istante. Una scelta.",
            ),
            closer=("La domanda è: che cosa farai adesso?", "Ricorda questo momento."),
        ),
        "casual": Tone(
            opener=("Ehi, allora, la questione è questa.", "Dai, facciamola semplice."),
            aside=(
                "Niente male, vero?",
                "Niente di che, ma è bene saperlo.",
                "Sinceramente, è la parte che preferisco.",
                "Resta con me, che adesso viene il bello.",
                "Facile, no?",
            ),
            closer=(
                "Comunque, per oggi è tutto. Alla prossima!",
                "Quindi niente, provaci e fammi sapere com'è andata.",
            ),
        ),
        "professional": Tone(
            opener=("Ecco una panoramica sintetica.", "Concentriamoci su ciò che conta davvero."),
            aside=(
                "Questo ha un impatto diretto sui risultati.",
                "I fatti confermano costantemente questo approccio.",
                "È un aspetto pratico su cui vale la pena agire.",
                "La chiarezza in questa fase fa risparmiare tempo e risorse in seguito.",
            ),
            closer=(
                "Grazie per l'attenzione.",
                "I prossimi passi sono chiari e concreti.",
            ),
        ),
    },
)
