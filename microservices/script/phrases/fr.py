"""Français."""

from microservices.script.phrases import Frame, Phrases, Tone

PHRASES = Phrases(
    name="French",
    quotes=("\u00ab ", " \u00bb"),
    lower_after_colon=True,
    function_words=frozenset(
        "le la les l un une des du de d au aux ce cet cette ces c ça cela ceci il elle ils "
        "elles on nous vous je j tu mon ma mes ton ta tes son sa ses notre nos votre vos leur "
        "leurs en dans pour avec sur sous par sans entre après avant depuis et mais ou si "
        "quand chaque tout tous toute toutes qui que qu quel quelle quels quelles pourquoi "
        "comment ne n se s y plus moins très aussi parfois souvent ici".split()
    ),
    generic_points=(
        "{title}, cela paraît simple, mais il se passe bien plus de choses en coulisses "
        "qu'on ne le croit.",
        "La clé, c'est de comprendre d'où vient {title} et pourquoi le sujet compte aujourd'hui.",
        "Ici, les petits détails changent tout, et une fois qu'on les a vus, on ne les "
        "oublie plus.",
        "Ceux qui comprennent {title} prennent de meilleures décisions, car ils voient la "
        "logique qui se cache derrière.",
        "Le meilleur moyen de s'en souvenir, c'est de le relier à quelque chose que l'on "
        "connaît déjà.",
    ),
    frames={
        "storytelling": Frame(
            intro=(
                "Voici une histoire : celle de {title}.",
                "Laissez-moi vous raconter une histoire, celle de {title}.",
            ),
            lead=(
                "Tout a commencé ainsi :",
                "Puis les choses ont changé :",
                "C'est alors que tout a basculé :",
                "Peu après :",
                "Plus tard :",
            ),
            develop=(
                "Personne ne l'avait vu venir, et pourtant tous les signes étaient là depuis "
                "le début.",
                "Dans chaque histoire, il y a un moment où tout peut basculer, et c'était "
                "celui-là.",
                "C'est le genre de détail qui reste en mémoire bien après la fin de l'histoire.",
                "Et c'est là que {title} cesse d'être une simple histoire pour devenir une leçon.",
            ),
            outro=(
                "Et voilà l'histoire de {title}.",
                "Ainsi s'achève l'histoire de {title}, du moins pour l'instant.",
            ),
        ),
        "youtube_short": Frame(
            intro=(
                "{title} : voici l'essentiel en moins d'une minute.",
                "Soixante secondes pour comprendre {title}. C'est parti.",
            ),
            lead=(
                "D'abord :",
                "Ensuite :",
                "Aussi :",
                "Et puis :",
                "En plus :",
                "Dernière chose :",
            ),
            develop=(
                "Ça paraît anodin, mais ça change tout.",
                "La plupart des gens passent à côté.",
                "Gardez bien ça en tête, c'est important.",
                "C'est la partie dont personne ne parle.",
            ),
            outro=(
                "Voilà {title} en moins d'une minute.",
                "Vous connaissez maintenant l'essentiel sur {title}.",
            ),
        ),
        "explanation": Frame(
            intro=(
                "Aujourd'hui, on vous explique {title}, étape par étape, pour que tout "
                "devienne enfin clair.",
                "Qu'est-ce que {title}, exactement, et pourquoi est-ce important ? "
                "Décortiquons le sujet, point par point.",
            ),
            lead=("Point {n} :",),
            develop=(
                "Pourquoi est-ce important ? Parce que cela conditionne tout ce qui suit.",
                "Autrement dit, les détails ne doivent rien au hasard : ils suivent une "
                "logique claire.",
                "Pour se le représenter simplement, imaginez que vous l'expliquez à un ami "
                "autour d'un café.",
                "C'est aussi là que commencent la plupart des malentendus sur {title}.",
                "Mis bout à bout, ces éléments forment un tableau plus simple qu'il n'y "
                "paraissait.",
            ),
            outro=(
                "Voilà donc {title}, expliqué : l'idée, les raisons et ce que cela change en "
                "pratique.",
                "Pour conclure, {title} tient en quelques idées claires, et vous les avez "
                "désormais en main.",
            ),
        ),
        "commercial": Frame(
            intro=(
                "Découvrez {title}.",
                "Voici {title}, pensé pour celles et ceux qui veulent plus.",
            ),
            lead=(
                "Voici pourquoi :",
                "Et aussi :",
                "En plus :",
                "Sans oublier :",
                "Cerise sur le gâteau :",
            ),
            develop=(
                "Vous gagnez du temps, et tout fonctionne, tout simplement.",
                "Conçu avec soin, fait pour durer.",
                "Essayez une fois, et vous vous demanderez comment vous faisiez avant.",
            ),
            outro=(
                "{title} : à essayer dès aujourd'hui.",
                "N'attendez plus : découvrez {title} dès maintenant.",
            ),
        ),
        "inspirational": Frame(
            intro=(
                "Parlons de {title}, et de tout ce dont vous êtes capable.",
                "{title} : la preuve que chaque grand changement commence par un premier pas.",
            ),
            lead=(
                "Souvenez-vous de ceci :",
                "Puis de ceci :",
                "Et de ceci :",
                "N'oubliez jamais :",
                "Et surtout :",
            ),
            develop=(
                "Chaque revers prépare un retour en force.",
                "Nul besoin d'être parfait : il suffit de commencer.",
                "Les personnes que vous admirez ont commencé exactement là où vous êtes "
                "aujourd'hui.",
                "Le progrès est silencieux, mais il s'additionne, jour après jour.",
            ),
            outro=(
                "Alors, prenez ce que {title} vous enseigne, et faites-en votre force.",
                "Votre prochain pas commence maintenant, avec {title} pour guide.",
            ),
        ),
        "educational": Frame(
            intro=(
                "Dans cette leçon, nous étudions {title} : ce que c'est, comment cela "
                "fonctionne et pourquoi c'est important.",
                "La leçon du jour : {title}. À la fin, vous serez capable de l'expliquer "
                "vous-même.",
            ),
            lead=("Idée clé numéro {n} :",),
            develop=(
                "Prenez un instant pour le noter, car nous allons nous appuyer dessus.",
                "Pour vérifier que vous avez compris, essayez de l'expliquer avec vos propres "
                "mots.",
                "Remarquez le lien avec ce que nous venons de voir.",
                "Petite question pour vous tester : pourriez-vous en donner un exemple ?",
            ),
            outro=(
                "Pour réviser : nous avons vu {title}, ses idées clés et la façon dont elles "
                "s'articulent.",
                "Voilà qui termine notre leçon sur {title}. Essayez de l'expliquer à quelqu'un "
                "dès aujourd'hui.",
            ),
        ),
        "tutorial": Frame(
            intro=(
                "Dans ce tutoriel, vous allez apprendre {title}, étape par étape.",
                "Voici comment faire : {title}, du début à la fin.",
            ),
            lead=("Étape {n} :",),
            develop=(
                "Prenez votre temps pour cette étape : elle facilite toutes les suivantes.",
                "Si quelque chose ne fonctionne pas, revenez à l'étape précédente et vérifiez.",
                "Petite astuce : gardez tout ce dont vous avez besoin à portée de main avant "
                "de continuer.",
                "Une fois que c'est fait, vous pouvez passer à la suite.",
            ),
            outro=(
                "Et voilà : {title}, c'est fait !",
                "Vous savez maintenant maîtriser {title} en toute autonomie.",
            ),
        ),
    },
    tones={
        "educational": Tone(
            opener=(
                "Apprenons quelque chose d'utile aujourd'hui.",
                "Voici un sujet qui mérite d'être bien compris.",
            ),
            aside=(
                "Retenez le raisonnement, pas seulement les faits.",
                "C'est le bon moment pour faire une pause et relier les idées.",
                "Rappelez-vous : comprendre vaut mieux qu'apprendre par cœur.",
                "Notez bien ce point, il reviendra.",
            ),
            closer=(
                "Continuez d'apprendre, et continuez de vous demander pourquoi.",
                "Relisez tout cela demain, et vous le retiendrez pour de bon.",
            ),
        ),
        "inspirational": Tone(
            opener=(
                "Vous êtes capable de bien plus que vous ne l'imaginez.",
                "Aujourd'hui est un bon jour pour commencer.",
            ),
            aside=(
                "Croyez-y.",
                "Vous pouvez y arriver !",
                "Chaque pas compte, même le plus petit.",
                "Vos efforts comptent plus que vous ne le pensez.",
                "Continuez !",
            ),
            closer=(
                "Lancez-vous, et faites que cela arrive !",
                "Le meilleur reste à venir, alors continuez d'avancer.",
            ),
        ),
        "comedic": Tone(
            opener=(
                "Bon, accrochez-vous, parce que c'est bien plus drôle que prévu.",
                "Petit avertissement : ça va devenir un peu absurde.",
            ),
            aside=(
                "Oui, vraiment. J'ai vérifié. Deux fois.",
                "Si ça paraît absurde, c'est normal : ça l'est un peu.",
                "Mon chat n'a pas été impressionné, mais mon chat n'est jamais impressionné.",
                "Ne riez pas. Bon, d'accord, riez un peu.",
                "Rebondissement : en fait, ça tient debout.",
            ),
            closer=(
                "Si vous avez souri au moins une fois, ma mission est accomplie.",
                "Allez le raconter à un ami, en faisant comme si vous le saviez depuis toujours.",
            ),
        ),
        "dramatic": Tone(
            opener=(
                "Tout ce que vous croyiez savoir est sur le point de changer.",
                "Écoutez bien. C'est important.",
            ),
            aside=(
                "Pensez-y.",
                "Et puis… le silence.",
                "Plus rien ne serait jamais comme avant.",
                "L'enjeu n'a jamais été aussi grand.",
                "Un instant. Un choix.",
            ),
            closer=(
                "La question est : qu'allez-vous faire maintenant ?",
                "Souvenez-vous de cet instant.",
            ),
        ),
        "casual": Tone(
            opener=("Salut ! Bon, voilà le truc.", "Allez, on fait simple."),
            aside=(
                "Plutôt cool, non ?",
                "Rien de bien sorcier, mais c'est bon à savoir.",
                "Franchement, c'est la partie que je préfère.",
                "Restez avec moi, ça devient encore mieux.",
                "Facile, non ?",
            ),
            closer=(
                "Bref, c'est tout pour moi. À la prochaine !",
                "Voilà, testez et dites-moi ce que ça donne.",
            ),
        ),
        "professional": Tone(
            opener=("Voici une présentation concise.", "Concentrons-nous sur l'essentiel."),
            aside=(
                "Cela a un impact direct sur les résultats.",
                "Les faits confirment régulièrement cette approche.",
                "C'est un point concret sur lequel agir.",
                "La clarté à ce stade fait gagner du temps et des ressources par la suite.",
            ),
            closer=(
                "Merci de votre attention.",
                "Les prochaines étapes sont claires et concrètes.",
            ),
        ),
    },
)
